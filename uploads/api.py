"""REST endpoints of upload sessions: thin views that validate, call one service or selector, serialize."""

import functools

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from mediasite.api.schema import error_response
from mediasite.api.throttles import UploadThrottle, UserThrottle
from videos.api import UploadersMayPost, detail_response, video_get_for_detail
from videos.models import Video
from videos.serializers import VideoDetailSerializer

from . import selectors, services
from .models import UploadSession


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = gettext_lazy("This upload session expired.")
    default_code = "expired"


def expired_is_gone(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except services.SessionExpired as error:
            raise Gone(str(error)) from None

    return wrapper


class SessionSerializer(serializers.ModelSerializer):
    part_count = serializers.IntegerField(read_only=True)
    video_id = serializers.SerializerMethodField(help_text="The video made at complete; null before.")

    class Meta:
        model = UploadSession
        fields = [
            "id", "status", "filename", "size", "part_size", "part_count", "title", "description", "visibility",
            "created_at", "expires_at", "video_id",
        ]  # fmt: skip

    def get_video_id(self, session) -> str | None:
        return str(session.video_id) if session.status == UploadSession.Status.COMPLETED else None


class PartSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    size = serializers.IntegerField()
    etag = serializers.CharField()


def session_response(session, *, status_code=status.HTTP_200_OK, headers=None) -> Response:
    return Response(SessionSerializer(session).data, status=status_code, headers=headers)


class UploadSessionCollectionApi(APIView):
    permission_classes = [permissions.IsAuthenticated, UploadersMayPost]
    throttle_classes = [UserThrottle, UploadThrottle]
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        filename = serializers.CharField(max_length=255, help_text="The file's name (its type is probed later).")
        size = serializers.IntegerField(min_value=1, help_text="Exact size of the file in bytes.")
        title = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
        visibility = serializers.ChoiceField(choices=Video.Visibility.choices, default=Video.Visibility.PRIVATE)

    @extend_schema(
        operation_id="uploads_list",
        summary="Your open upload sessions (to resume one after a crash).",
        responses=SessionSerializer(many=True),
        tags=["uploads"],
    )
    def get(self, request):
        sessions = selectors.upload_sessions_open(user=request.user)
        return Response(SessionSerializer(sessions, many=True).data)

    @extend_schema(
        operation_id="uploads_create",
        summary="Open a resumable upload session; refused at once past the size limit or your quota.",
        request=InputSerializer,
        responses={201: SessionSerializer, 409: error_response("409", "Too many sessions open.")},
        tags=["uploads"],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = services.upload_session_create(owner=request.user, **serializer.validated_data)
        location = request.build_absolute_uri(f"/api/v1/uploads/{session.pk}/")
        return session_response(session, status_code=status.HTTP_201_CREATED, headers={"Location": location})


class UploadSessionDetailApi(APIView):
    throttle_classes = [UserThrottle]

    @extend_schema(operation_id="uploads_retrieve", responses=SessionSerializer, tags=["uploads"])
    def get(self, request, session_id):
        return session_response(selectors.upload_session_get(user=request.user, session_id=session_id))


class UploadPartsApi(APIView):
    throttle_classes = [UserThrottle]

    @extend_schema(
        operation_id="uploads_parts",
        summary="The parts stored so far: to resume, send only the others.",
        responses={200: PartSerializer(many=True), 410: error_response("409", "The session expired.")},
        tags=["uploads"],
    )
    @expired_is_gone
    def get(self, request, session_id):
        session = selectors.upload_session_get(user=request.user, session_id=session_id)
        parts = services.upload_session_parts(session=session)
        return Response(PartSerializer(parts, many=True).data)


class UploadPartUrlsApi(APIView):
    throttle_classes = [UserThrottle]
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        numbers = serializers.ListField(
            child=serializers.IntegerField(min_value=1), min_length=1, max_length=1000,
            help_text="Part numbers, 1 to part_count.",
        )  # fmt: skip

    class OutputSerializer(serializers.Serializer):
        number = serializers.IntegerField()
        url = serializers.CharField(help_text="PUT the part's bytes here, nothing else; the answer's ETag names it.")
        size = serializers.IntegerField(help_text="Exact bytes of this part.")
        expires_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="uploads_part_urls",
        summary="Signed URLs to PUT parts to (straight to S3 when media is on S3).",
        request=InputSerializer,
        responses={200: OutputSerializer(many=True), 410: error_response("409", "The session expired.")},
        tags=["uploads"],
    )
    @expired_is_gone
    def post(self, request, session_id):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = selectors.upload_session_get(user=request.user, session_id=session_id)
        urls = services.upload_part_urls(session=session, numbers=serializer.validated_data["numbers"])
        for item in urls:
            item["url"] = request.build_absolute_uri(item["url"])  # local part URLs are paths
        return Response(self.OutputSerializer(urls, many=True).data)


class UploadCompleteApi(APIView):
    throttle_classes = [UserThrottle]
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        class PartSerializer(serializers.Serializer):
            number = serializers.IntegerField(min_value=1)
            etag = serializers.CharField(max_length=100)

        parts = PartSerializer(
            many=True, required=False, max_length=services.MAX_PARTS,
            help_text="Optional: every part's number and the ETag its PUT answered, checked against storage.",
        )  # fmt: skip

    @extend_schema(
        operation_id="uploads_complete",
        summary="Check the parts and make the video (queued for transcoding).",
        request=InputSerializer,
        responses={201: VideoDetailSerializer, 410: error_response("409", "The session expired.")},
        tags=["uploads"],
    )
    @expired_is_gone
    def post(self, request, session_id):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = selectors.upload_session_get(user=request.user, session_id=session_id)
        video = services.upload_session_complete(session=session, parts=serializer.validated_data.get("parts"))
        video = video_get_for_detail(user=request.user, video_id=video.pk)
        location = request.build_absolute_uri(f"/api/v1/videos/{video.pk}/")
        return detail_response(request, video, status_code=status.HTTP_201_CREATED, headers={"Location": location})


class UploadAbortApi(APIView):
    throttle_classes = [UserThrottle]

    @extend_schema(
        operation_id="uploads_abort",
        summary="Abort the session: its parts are deleted.",
        request=None,
        responses={200: SessionSerializer, 409: error_response("409")},
        tags=["uploads"],
    )
    def post(self, request, session_id):
        session = selectors.upload_session_get(user=request.user, session_id=session_id)
        return session_response(services.upload_session_abort(session=session))


