"""Output shapes of videos in the REST API, shared by its views.

The declared fields are the contract (drf-spectacular builds the OpenAPI schema from them, and
schemathesis checks responses against it). ``to_representation`` is written out by hand: a list
page renders twenty videos, and DRF's field-by-field machinery cost more than the query did. A
list page formats plain rows (selectors.video_list_rows), not model instances: building twenty
videos and their owners cost more than running the page's query (bench/api.py, profiled).
"""

from django.core.files.storage import default_storage
from rest_framework import serializers

from . import selectors, storage
from .models import Rendition, Video
from .playback_links import playback_url

_datetime = serializers.DateTimeField()


class Links:
    """A response's absolute URLs, with its scheme and host worked out once instead of per URL.

    Same result as request.build_absolute_uri: our paths (UUID keys, quoted by the storage, signed
    with hex) hold nothing it would quote, so the origin is simply put in front of them.
    """

    def __init__(self, request):
        self.request = request
        self.origin = request.build_absolute_uri("/")[:-1]

    def absolute(self, url: str) -> str:
        if url.startswith("/") and not url.startswith("//") and "/." not in url:
            return self.origin + url
        return self.request.build_absolute_uri(url)  # already absolute (S3), or a path to resolve

    def media(self, key: str) -> str | None:
        """A fresh signed, absolute URL for a stored object, or None when there is none yet."""
        # S3 presigned URLs are absolute already; local storage signs paths under MEDIA_URL.
        return self.absolute(default_storage.url(key)) if key else None


def _when(value):
    return _datetime.to_representation(value) if value is not None else None


def _links(serializer) -> Links:
    # One per response: a list serializer's children share their parent's context.
    context = serializer.context
    links = context.get("links")
    if links is None:
        links = context["links"] = Links(context["request"])
    return links


def list_item(links: Links, *, id, title, visibility, status, progress, duration, owner_id, owner__username,
              created_at, output_prefix) -> dict:
    """A video as a list shows it, from the columns of selectors.LIST_ROW_FIELDS."""
    return {
        "id": str(id),
        "title": title,
        "visibility": visibility,
        "status": status,
        "progress": float(progress),
        "duration": duration,
        "owner": {"id": owner_id, "username": owner__username},
        "created_at": _when(created_at),
        "poster_url": links.media(storage.poster_key(output_prefix)) if output_prefix else None,
        "url": f"{links.origin}/api/v1/videos/{id}/",
    }


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
    poster_url = serializers.URLField(allow_null=True, help_text="Signed, short-lived; null until ready.")
    url = serializers.URLField(help_text="This video in the API.")

    def to_representation(self, row: dict) -> dict:
        return list_item(_links(self), **row)


RENDITION_FIELDS = ("name", "codec", "width", "height", "bandwidth")


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
    url = serializers.URLField(allow_null=True, help_text="Signed, short-lived URL of the WebVTT file.")


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
    playable_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When a first rendition could be played: seconds after the upload for a source that "
        "browsers play as it is (remuxed while the ladder encodes), else when the ladder was ready.",
    )
    renditions = RenditionSerializer(many=True, help_text="What can be played now: the first rendition "
                                     "(`original`) while the ladder encodes, then the ladder's rungs.")
    storyboard = StoryboardSerializer(allow_null=True, help_text="Sprite sheet of thumbnails; null until ready.")
    subtitles = SubtitleSerializer(many=True)
    playback_url = serializers.URLField(
        allow_null=True,
        help_text="HLS master playlist; null until playable. Plays on its own, with no cookie or header: "
        "signed with an expiring token when the video is private.",
    )
    can_edit = serializers.BooleanField(help_text="Whether you may change or delete this video.")

    def to_representation(self, video: Video) -> dict:
        request = self.context["request"]
        links = _links(self)
        ready = video.is_ready
        playable = video.is_playable
        data = list_item(
            links, id=video.pk, title=video.title, visibility=video.visibility, status=video.status,
            progress=video.progress, duration=video.duration, owner_id=video.owner_id,
            owner__username=video.owner.username, created_at=video.created_at, output_prefix=video.output_prefix,
        )
        data.update(
            description=video.description,
            stage=video.stage,
            error=video.error,
            source_name=video.source_name,
            source_size=video.source_size,
            width=video.width,
            height=video.height,
            fps=video.fps,
            has_audio=video.has_audio,
            updated_at=_when(video.updated_at),
            ready_at=_when(video.ready_at),
            playable_at=_when(video.playable_at) if playable else None,
            # Rows, not instances: a query each, without prefetch_related's machinery, which cost
            # more than the two queries themselves.
            renditions=list(video.renditions.values(*RENDITION_FIELDS)),
            storyboard=(
                {
                    "image_url": links.media(video.storyboard_image_key),
                    "vtt_url": links.media(video.storyboard_vtt_key),
                }
                if ready
                else None
            ),
            subtitles=[
                {
                    "id": pk, "language": language, "label": label, "kind": kind,
                    "is_default": is_default, "url": links.media(vtt_key),
                }
                for pk, language, label, kind, is_default, vtt_key in video.subtitles.values_list(
                    "pk", "language", "label", "kind", "is_default", "vtt_key"
                )
            ],
            playback_url=playback_url(video, request=request) if playable else None,
            can_edit=selectors.video_can_edit(user=request.user, video=video),
        )
        return data
