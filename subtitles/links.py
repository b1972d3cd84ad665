"""Links to a subtitle's HLS media playlist (served by the playback layer, playback/)."""

from django.urls import reverse

from .models import Subtitle


def subtitle_playlist_url(subtitle: Subtitle) -> str:
    return reverse(
        "hls-subtitle",
        kwargs={"video_id": subtitle.video_id, "language": subtitle.language, "kind": subtitle.kind},
    )
