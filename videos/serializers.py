"""Output shapes of videos in the REST API, shared by its views."""

from django.core.files.storage import default_storage
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import selectors
from .models import Rendition, Video

PLAYBACK_PATH = "/videos/{id}/hls/master.m3u8"


def media_url(request, key: str) -> str | None:
    """A fresh signed, absolute URL for a stored object, or None when there is none yet."""
    # S3 presigned URLs are absolute already; local storage signs paths under MEDIA_URL.
    return request.build_absolute_uri(default_storage.url(key)) if key else None


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class VideoListItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    visibility = serializers.ChoiceField(choices=Video.Visibility.choices)
    status = serializers.ChoiceField(choices=Video.Status.choices)
    progress = serializers.FloatField(help_text="0–100 while processing.")
    duration = serializers.FloatField(allow_null=True, help_text="Seconds, from the probe.")
    owner = OwnerSerializer()
    created_at = serializers.DateTimeField()
    poster_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_poster_url(self, video) -> str | None:
        return media_url(self.context["request"], video.poster_key)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, video) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/videos/{video.pk}/")


class RenditionSerializer(serializers.Serializer):
    name = serializers.CharField()
    codec = serializers.ChoiceField(choices=Rendition.Codec.choices)
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    bandwidth = serializers.IntegerField(help_text="Peak bits per second.")


class StoryboardSerializer(serializers.Serializer):
    image_url = serializers.URLField()
    vtt_url = serializers.URLField(help_text="WebVTT index of the sprite sheet's tiles.")


class SubtitleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    language = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()
    is_default = serializers.BooleanField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, subtitle) -> str | None:
        return media_url(self.context["request"], subtitle.vtt_key)


class VideoDetailSerializer(VideoListItemSerializer):
    description = serializers.CharField()
    stage = serializers.ChoiceField(choices=Video.Stage.choices, allow_blank=True)
    error = serializers.CharField(help_text="Why the last transcode failed; empty otherwise.")
    source_name = serializers.CharField()
    source_size = serializers.IntegerField(allow_null=True)
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    fps = serializers.FloatField(allow_null=True)
    has_audio = serializers.BooleanField(allow_null=True)
    updated_at = serializers.DateTimeField()
    ready_at = serializers.DateTimeField(allow_null=True)
    renditions = RenditionSerializer(many=True)
    storyboard = serializers.SerializerMethodField()
    subtitles = SubtitleSerializer(many=True)
    playback_url = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()

    @extend_schema_field(StoryboardSerializer(allow_null=True))
    def get_storyboard(self, video) -> dict | None:
        if not video.is_ready:
            return None
        request = self.context["request"]
        return {
            "image_url": media_url(request, video.storyboard_image_key),
            "vtt_url": media_url(request, video.storyboard_vtt_key),
        }

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="HLS master playlist, once ready."))
    def get_playback_url(self, video) -> str | None:
        if not video.is_ready:
            return None
        return self.context["request"].build_absolute_uri(PLAYBACK_PATH.format(id=video.pk))

    def get_can_edit(self, video) -> bool:
        return selectors.video_can_edit(user=self.context["request"].user, video=video)
