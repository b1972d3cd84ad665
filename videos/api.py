"""REST endpoints for videos: thin views that validate, call one service or selector, serialize."""

import os
import tempfile

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from mediasite.api.pagination import CreatedCursorPagination
from mediasite.api.schema import error_response
from mediasite.api.throttles import AnonThrottle, UploadThrottle, UserThrottle
from mediasite.middleware.upload_limit import UploadLimitHandler

from . import selectors, services
from .services import UPLOAD_REFUSED
from users.selectors import user_can_upload

from .ffmpeg.errors import ProbeError
from .ffmpeg.probe import probe
from .transcode import probe_limits
from .models import Video
from .serializers import VideoDetailSerializer, VideoListItemSerializer


def probe_upload(file) -> None:
    """Refuse an upload that ffprobe does not read as a video (its name and Content-Type count for nothing)."""
    if hasattr(file, "temporary_file_path"):
        probe(file.temporary_file_path(), probe_limits())
        return
    # Only reached when an in-memory upload handler is configured: probe a copy on disk.
    with tempfile.NamedTemporaryFile(suffix=os.path.splitext(file.name or "")[1]) as copy:
        for chunk in file.chunks():
            copy.write(chunk)
        copy.flush()
        probe(copy.name, probe_limits())
    file.seek(0)


def video_get_for_detail(*, user, video_id) -> Video:
    """The video with what the detail view shows, or 404 when it does not exist or is hidden from this user."""
    # Its renditions and subtitles are read by the serializer, as rows (VideoDetailSerializer).
    queryset = Video.objects.filter(selectors.video_visible_filter(user)).select_related("owner")
    return get_object_or_404(queryset, pk=video_id)


def video_get_for_edit(*, user, video_id) -> Video:
    """404 when hidden from this user, 403 when visible but not theirs to change."""
    video = video_get_for_detail(user=user, video_id=video_id)
    if not selectors.video_can_edit(user=user, video=video):
        raise PermissionDenied(gettext("Only the owner or staff may change this video."))
    return video


def detail_response(request, video: Video, *, status_code=status.HTTP_200_OK, headers=None) -> Response:
    return Response(VideoDetailSerializer(video, context={"request": request}).data, status=status_code, headers=headers)


class UploadersMayPost(permissions.BasePermission):
    """Creating a video needs the uploader role; checked before the body is read."""

    message = UPLOAD_REFUSED

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or user_can_upload(request.user)


class VideoCollectionApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, UploadersMayPost]
    throttle_classes = [AnonThrottle, UserThrottle, UploadThrottle]
    parser_classes = [MultiPartParser]
    pagination_class = CreatedCursorPagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Video.Status.choices, required=False)
        visibility = serializers.ChoiceField(choices=Video.Visibility.choices, required=False)
        mine = serializers.BooleanField(required=False, help_text="Only your own videos.")
        q = serializers.CharField(required=False, max_length=200, help_text="Words in the title.")

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="The video; its type is decided by probing the content.")
        title = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
        visibility = serializers.ChoiceField(choices=Video.Visibility.choices, default=Video.Visibility.PRIVATE)

        def validate_file(self, file):
            try:
                probe_upload(file)
            except ProbeError as error:
                raise serializers.ValidationError(gettext(str(error)), code="not_a_video") from None
            return file

    def initial(self, request, *args, **kwargs):
        # Before authentication: a session's CSRF check may already parse the multipart body.
        if request.method == "POST":
            request.upload_handlers.insert(0, UploadLimitHandler(request))
        super().initial(request, *args, **kwargs)

    def filters(self, request) -> dict:
        """The validated filters; a page asked for with none (most are) skips the serializer."""
        if not any(name in request.query_params for name in self.FilterSerializer._declared_fields):
            return {}
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return filters.validated_data

    @extend_schema(
        operation_id="videos_list",
        summary="List videos: your own and public ones, newest first.",
        parameters=[FilterSerializer],
        responses=VideoListItemSerializer(many=True),
        tags=["videos"],
    )
    def get(self, request):
        videos = filter_videos(selectors.video_list_rows(user=request.user), user=request.user, **self.filters(request))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(videos, request, view=self)
        data = VideoListItemSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="videos_create",
        summary="Upload a video (multipart); it is queued for transcoding.",
        request=InputSerializer,
        responses={201: VideoDetailSerializer},
        tags=["videos"],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            video = services.video_create(owner=request.user, **serializer.validated_data)
        finally:
            # Remove the temporary upload now, not whenever the request object is collected.
            serializer.validated_data["file"].close()
        video = video_get_for_detail(user=request.user, video_id=video.pk)
        location = request.build_absolute_uri(f"/api/v1/videos/{video.pk}/")
        return detail_response(request, video, status_code=status.HTTP_201_CREATED, headers={"Location": location})


def filter_videos(videos, *, user, status=None, visibility=None, mine=False, q=""):
    if status:
        videos = videos.filter(status=status)
    if visibility:
        videos = videos.filter(visibility=visibility)
    if mine:
        videos = videos.filter(owner_id=user.pk) if user.is_authenticated else videos.none()
    if q:
        videos = videos.filter(title__icontains=q)
    return videos


class VideoDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    throttle_classes = [AnonThrottle, UserThrottle]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(allow_blank=True, max_length=10000, required=False)
        visibility = serializers.ChoiceField(choices=Video.Visibility.choices, required=False)

    @extend_schema(operation_id="videos_retrieve", responses=VideoDetailSerializer, tags=["videos"])
    def get(self, request, video_id):
        return detail_response(request, video_get_for_detail(user=request.user, video_id=video_id))

    @extend_schema(
        operation_id="videos_partial_update",
        summary="Change title, description or visibility (owner or staff).",
        request=InputSerializer,
        responses=VideoDetailSerializer,
        tags=["videos"],
    )
    def patch(self, request, video_id):
        video = video_get_for_edit(user=request.user, video_id=video_id)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.video_update(video=video, **serializer.validated_data)
        return detail_response(request, video)

    @extend_schema(
        operation_id="videos_destroy",
        summary="Delete a video and every stored object of it (owner or staff).",
        responses={204: OpenApiResponse(description="Deleted.")},
        tags=["videos"],
    )
    def delete(self, request, video_id):
        video = video_get_for_edit(user=request.user, video_id=video_id)
        services.video_delete(video=video)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VideoRetryApi(APIView):
    throttle_classes = [UserThrottle]

    @extend_schema(
        operation_id="videos_retry",
        summary="Queue a failed or cancelled video for transcoding again.",
        request=None,
        responses={200: VideoDetailSerializer, 409: error_response("409")},
        tags=["videos"],
    )
    def post(self, request, video_id):
        video = video_get_for_edit(user=request.user, video_id=video_id)
        services.video_retry(video=video)
        return detail_response(request, video_get_for_detail(user=request.user, video_id=video_id))


class VideoCancelApi(APIView):
    throttle_classes = [UserThrottle]

    @extend_schema(
        operation_id="videos_cancel",
        summary="Stop a queued or processing transcode.",
        request=None,
        responses={200: VideoDetailSerializer, 409: error_response("409")},
        tags=["videos"],
    )
    def post(self, request, video_id):
        video = video_get_for_edit(user=request.user, video_id=video_id)
        services.video_cancel(video=video)
        return detail_response(request, video_get_for_detail(user=request.user, video_id=video_id))
