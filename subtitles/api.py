"""REST endpoints for a video's subtitles: upload (multipart), list, read, change, delete, download."""

from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from videos import selectors as video_selectors
from videos.models import Video

from . import captioning, selectors, services
from .convert import SubtitleError, language_normalize, size_check
from .links import subtitle_playlist_url
from .models import Subtitle

VTT_CONTENT_TYPE = "text/vtt; charset=utf-8"


def _field_error(error: SubtitleError) -> ValidationError:
    """The converter's refusal on the field it is about, in the request's language."""
    field = "language" if error.code == "language" else "kind" if error.code == "kind" else "file"
    return ValidationError({field: [serializers.ErrorDetail(error.translated(gettext), code=error.code)]})


def video_get_visible(*, user, video_id) -> Video:
    video = video_selectors.video_get_visible(user=user, video_id=video_id)
    if video is None:
        raise NotFound(gettext("No such video."))
    return video


def video_get_editable(*, user, video_id) -> Video:
    """404 when hidden from this user, 403 when visible but not theirs to change."""
    video = video_get_visible(user=user, video_id=video_id)
    if not video_selectors.video_can_edit(user=user, video=video):
        raise PermissionDenied(gettext("Only the owner or staff may change this video's subtitles."))
    return video


def subtitle_get_or_404(*, video: Video, subtitle_id: int) -> Subtitle:
    subtitle = selectors.subtitle_get(video=video, subtitle_id=subtitle_id)
    if subtitle is None:
        raise NotFound(gettext("No such subtitle."))
    return subtitle


class SubtitleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    language = serializers.CharField(help_text="BCP-47 tag, normalised (en-US, pt-BR, zh-Hant).")
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=Subtitle.Kind.choices)
    is_default = serializers.BooleanField()
    source_format = serializers.CharField(help_text="The format detected from the uploaded content.")
    source_encoding = serializers.CharField(help_text="The text encoding detected (and converted from).")
    cue_count = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())
    generated = serializers.BooleanField(help_text="Made from the video's speech, not uploaded.")
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    original_download_url = serializers.SerializerMethodField()
    playlist_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, subtitle) -> str:
        """A short-lived signed URL of the WebVTT file."""
        return default_storage.url(subtitle.vtt_key)

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, subtitle) -> str:
        return self._absolute(reverse("api-subtitle-download", args=[subtitle.video_id, subtitle.pk]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_original_download_url(self, subtitle) -> str:
        return self.get_download_url(subtitle) + "?original=true"

    @extend_schema_field(OpenApiTypes.URI)
    def get_playlist_url(self, subtitle) -> str:
        return self._absolute(subtitle_playlist_url(subtitle))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class SubtitleUploadOutputSerializer(SubtitleOutputSerializer):
    other_subtitles = serializers.SerializerMethodField(
        help_text="The other subtitles the same file gave: a SAMI file with several languages gives one for each."
    )

    @extend_schema_field(SubtitleOutputSerializer(many=True))
    def get_other_subtitles(self, subtitle) -> list:
        return SubtitleOutputSerializer(self.context.get("others", []), many=True, context=self.context).data


class SubtitleUploadLimitHandler(FileUploadHandler):
    """Refuse a subtitle file over the limit while it streams in, not after it was spooled whole."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        try:
            size_check(self.received, max_bytes=services.subtitle_max_bytes())
        except SubtitleError as error:
            raise _field_error(error) from None
        return raw_data

    def file_complete(self, file_size):
        return None


class SubtitleCollectionApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            allow_empty_file=True,  # the converter says "The file is empty." like for any other refusal
            help_text="SRT, WebVTT, ASS/SSA, SubViewer/SBV and SubViewer 2, TTML/DFXP, SAMI, SCC, MicroDVD, MPL2, "
            "TMP or LRC, in any common text encoding; the format and encoding are detected from the content. "
            "A SAMI file with several languages gives a subtitle for each."
        )
        language = serializers.CharField(
            max_length=64,
            help_text="BCP-47 language tag, e.g. en, pt-BR, zh-Hant; in a file of several languages, the one "
            "for the part that names none.",
        )
        kind = serializers.ChoiceField(choices=Subtitle.Kind.choices, default=Subtitle.Kind.SUBTITLES)
        label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        is_default = serializers.BooleanField(required=False, default=False)

        def validate_language(self, value):
            try:
                return language_normalize(value)
            except SubtitleError as error:
                raise serializers.ValidationError(error.translated(gettext), code=error.code) from None

        def validate(self, attrs):
            video = self.context["video"]
            try:
                attrs["data"] = services.upload_read(attrs["file"])
                attrs["conversion"] = services.subtitle_conversion(video=video, data=attrs["data"])
            except SubtitleError as error:
                raise _field_error(error) from None
            return attrs

    def initial(self, request, *args, **kwargs):
        # Before authentication: a session's CSRF check may already parse the multipart body.
        if request.method == "POST":
            request.upload_handlers.insert(0, SubtitleUploadLimitHandler(request))
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="subtitles_list",
        summary="List a video's subtitles.",
        responses=SubtitleOutputSerializer(many=True),
        tags=["subtitles"],
    )
    def get(self, request, video_id):
        video = video_get_visible(user=request.user, video_id=video_id)
        subtitles = selectors.subtitle_list(video=video)
        return Response(SubtitleOutputSerializer(subtitles, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="subtitles_upload",
        summary="Upload a subtitle file (multipart); it replaces the one of the same language and kind.",
        request={"multipart/form-data": InputSerializer},
        responses={201: SubtitleUploadOutputSerializer, 200: SubtitleUploadOutputSerializer},
        tags=["subtitles"],
    )
    def post(self, request, video_id):
        video = video_get_editable(user=request.user, video_id=video_id)
        serializer = self.InputSerializer(data=request.data, context={"video": video})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            saved = services.subtitles_save(
                video=video,
                language=data["language"],
                kind=data["kind"],
                label=data["label"],
                is_default=data["is_default"],
                data=data["data"],
                filename=data["file"].name or "",
                conversion=data["conversion"],
            )
        except SubtitleError as error:
            raise _field_error(error) from None
        (subtitle, created), others = saved[0], [other for other, _ in saved[1:]]
        body = SubtitleUploadOutputSerializer(subtitle, context={"request": request, "others": others}).data
        if not created:
            return Response(body, status=status.HTTP_200_OK)
        location = request.build_absolute_uri(reverse("api-subtitle-detail", args=[video.pk, subtitle.pk]))
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


class SubtitleDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    class InputSerializer(serializers.Serializer):
        label = serializers.CharField(max_length=100, required=False, allow_blank=True)
        is_default = serializers.BooleanField(required=False)

    @extend_schema(operation_id="subtitles_retrieve", responses=SubtitleOutputSerializer, tags=["subtitles"])
    def get(self, request, video_id, subtitle_id):
        video = video_get_visible(user=request.user, video_id=video_id)
        subtitle = subtitle_get_or_404(video=video, subtitle_id=subtitle_id)
        return Response(SubtitleOutputSerializer(subtitle, context={"request": request}).data)

    @extend_schema(
        operation_id="subtitles_partial_update",
        summary="Change a subtitle's label or make it the default (owner or staff).",
        request=InputSerializer,
        responses=SubtitleOutputSerializer,
        tags=["subtitles"],
    )
    def patch(self, request, video_id, subtitle_id):
        video = video_get_editable(user=request.user, video_id=video_id)
        subtitle = subtitle_get_or_404(video=video, subtitle_id=subtitle_id)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        subtitle = services.subtitle_update(subtitle=subtitle, **serializer.validated_data)
        return Response(SubtitleOutputSerializer(subtitle, context={"request": request}).data)

    @extend_schema(
        operation_id="subtitles_destroy",
        summary="Delete a subtitle and its files (owner or staff).",
        responses={204: OpenApiResponse(description="Deleted.")},
        tags=["subtitles"],
    )
    def delete(self, request, video_id, subtitle_id):
        video = video_get_editable(user=request.user, video_id=video_id)
        services.subtitle_delete(subtitle=subtitle_get_or_404(video=video, subtitle_id=subtitle_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubtitleDownloadApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    class FilterSerializer(serializers.Serializer):
        original = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        operation_id="subtitles_download",
        summary="Download the WebVTT file, or with ?original=true the file as uploaded.",
        parameters=[OpenApiParameter("original", bool, description="The uploaded file instead of the WebVTT.")],
        responses={(200, "text/vtt"): OpenApiTypes.BINARY},
        tags=["subtitles"],
    )
    def get(self, request, video_id, subtitle_id):
        video = video_get_visible(user=request.user, video_id=video_id)
        subtitle = subtitle_get_or_404(video=video, subtitle_id=subtitle_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        original = filters.validated_data["original"]
        key = subtitle.original_key if original else subtitle.vtt_key
        try:
            handle = default_storage.open(key, "rb")
        except (FileNotFoundError, OSError):
            raise Http404(gettext("The subtitle file is missing from storage.")) from None
        filename = key.rsplit("/", 1)[-1] if original else f"{subtitle.language}.{subtitle.kind}.vtt"
        content_type = "application/octet-stream" if original else VTT_CONTENT_TYPE
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
        response["Cache-Control"] = "private, max-age=60"
        return response


class CaptionsRequestApi(APIView):
    """Captions from the video's speech, made on a queue of their own; they arrive as a subtitle (`subtitle_ready`)."""

    permission_classes = [permissions.IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        video_id = serializers.UUIDField()
        status = serializers.ChoiceField(choices=["queued"])

    @extend_schema(
        operation_id="captions_request",
        summary="Make captions from the video's speech (owner or staff); they replace earlier generated ones.",
        request=None,
        responses={
            202: OutputSerializer,
            409: OpenApiResponse(description="Not ready yet, no sound, or captions already on their way."),
        },
        tags=["subtitles"],
    )
    def post(self, request, video_id):
        video = video_get_editable(user=request.user, video_id=video_id)
        captioning.captions_request(video=video)
        return Response(
            self.OutputSerializer({"video_id": video.pk, "status": "queued"}).data, status=status.HTTP_202_ACCEPTED
        )
