"""Subtitles in the HLS stream: the SUBTITLES renditions of the master playlist and their media playlists.

The master playlist is built per request (playback.videos), so a subtitle added or removed shows
at once, without transcoding again, and one added while the video was still transcoding is
there as soon as the video is ready. Each rendition is a one-segment WebVTT media playlist
whose segment is a short-lived signed URL of the stored .vtt.
"""

import math
import re

from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from subtitles import selectors
from subtitles.links import subtitle_playlist_url
from subtitles.models import Subtitle
from videos.ffmpeg.hls import SubtitleTrack
from videos.models import Video
from videos.playback_links import url_expiry

from .access import playable_video

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
_VTT_END = re.compile(r"-->\s*(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})")


def subtitle_track_name(subtitle: Subtitle) -> str:
    name = subtitle.label or subtitle.language
    return f"{name} (CC)" if subtitle.kind == Subtitle.Kind.CAPTIONS and "(CC)" not in name else name


def subtitle_tracks(video: Video) -> list[SubtitleTrack]:
    """The video's subtitles as master playlist renditions (names unique within the group)."""
    tracks, seen = [], set()
    for subtitle in video.subtitles.all():
        name = subtitle_track_name(subtitle)
        if name in seen:
            name = f"{name} [{subtitle.language} {subtitle.kind}]"
        seen.add(name)
        tracks.append(
            SubtitleTrack(
                language=subtitle.language, name=name, uri=subtitle_playlist_url(subtitle),
                default=subtitle.is_default,
            )
        )
    return tracks


def subtitle_media_playlist(subtitle: Subtitle, *, duration: float, expire: int) -> str:
    """A VOD media playlist with the whole WebVTT file as its one segment."""
    duration = max(duration, 0.001)
    return "\n".join([
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{math.ceil(duration)}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        f"#EXTINF:{duration:.3f},",
        default_storage.url(subtitle.vtt_key, expire=expire),
        "#EXT-X-ENDLIST",
        "",
    ])


@require_GET
def hls_subtitle(request, video_id, language, kind):
    video, _ = playable_video(request, video_id)
    subtitle = selectors.subtitle_get_by_language(video=video, language=language, kind=kind)
    if subtitle is None:
        raise Http404("No such subtitle.")
    duration = video.duration or _vtt_end_seconds(subtitle)
    expire = url_expiry(video)
    playlist = subtitle_media_playlist(subtitle, duration=duration, expire=expire)
    response = HttpResponse(playlist, content_type=PLAYLIST_TYPE)
    # The signed URL inside must not be reused from a cache after it expires.
    response["Cache-Control"] = f"private, max-age={max(0, expire // 2)}"
    return response


def _vtt_end_seconds(subtitle: Subtitle) -> float:
    """The last cue end of the stored WebVTT, for a video whose length is unknown."""
    with default_storage.open(subtitle.vtt_key, "rb") as handle:
        text = handle.read().decode("utf-8")
    ends = [
        int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms in _VTT_END.findall(text)
    ]
    return max(ends, default=1.0)
