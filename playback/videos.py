"""HLS playback through Django: a permission check, then playlists whose every URI is a
short-lived signed URL (presigned S3, or the signed local media URLs), so that segments come
straight from storage while private videos stay private."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from videos import storage
from videos.ffmpeg.hls import AUDIO_DIR, AudioRendition, SubtitleTrack, Variant, master_playlist, rewrite_playlist
from videos.models import Rendition, Video
from videos.playback_links import TOKEN_PARAM, url_expiry, variant_url

from .access import playable_video
from .subtitles import subtitle_tracks

logger = logging.getLogger(__name__)

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
PLAYLIST_CACHE_SECONDS = 24 * 3600  # playlists under an attempt prefix never change
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def parse_master(text: str) -> tuple[list[Variant], AudioRendition | None]:
    """Read back a master playlist written by videos.ffmpeg.hls.master_playlist."""
    audio = None
    variants = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("#EXT-X-MEDIA:") and "TYPE=AUDIO" in line:
            attrs = _attributes(line)
            audio = AudioRendition(uri=attrs["URI"], channels=int(attrs.get("CHANNELS", "2") or 2))
        elif line.startswith("#EXT-X-STREAM-INF:"):
            attrs = _attributes(line)
            width, _, height = attrs.get("RESOLUTION", "0x0").partition("x")
            codecs = [c for c in attrs.get("CODECS", "").split(",") if c]
            video_codecs = ",".join(c for c in codecs if not c.startswith("mp4a")) or ",".join(codecs)
            variants.append(
                Variant(
                    name=lines[index + 1].split("/")[0],
                    uri=lines[index + 1].strip(),
                    width=int(width),
                    height=int(height),
                    bandwidth=int(attrs["BANDWIDTH"]),
                    average_bandwidth=int(attrs.get("AVERAGE-BANDWIDTH", attrs["BANDWIDTH"])),
                    codecs=video_codecs,
                    frame_rate=float(attrs["FRAME-RATE"]) if "FRAME-RATE" in attrs else None,
                )
            )
    return variants, audio


def master_playlist_text(
    video: Video, *, subtitles: list[SubtitleTrack] | None = None, token: str | None = None
) -> str:
    """The master playlist of a ready video, pointing at Django's variant playlist URLs.

    With a playback token, every playlist URL it names carries the token on.
    """
    carry = (lambda uri: f"{uri}?{urlencode({TOKEN_PARAM: token})}") if token else (lambda uri: uri)
    renditions = list(video.renditions.all())
    if renditions and all(r.codecs for r in renditions):
        # The rows hold what the master says (bandwidths with audio included), in ladder order.
        variants = [
            Variant(name=r.name, uri="", width=r.width, height=r.height, bandwidth=r.bandwidth,
                    average_bandwidth=r.average_bandwidth or r.bandwidth, codecs=r.codecs, frame_rate=r.frame_rate)
            for r in sorted(renditions, key=lambda r: (-r.height, r.codec != Rendition.Codec.H264))
        ]
        # A remuxed first rendition carries its audio in its own segments: no shared audio rendition.
        audio = AudioRendition(uri="") if video.has_audio and not any(r.muxed_audio for r in renditions) else None
    else:  # transcoded before the rows held it: read the master the worker wrote
        variants, audio = parse_master(_read(video.master_playlist_key))
    variants = [replace(variant, uri=carry(variant_url(video, variant.name))) for variant in variants]
    if audio is not None:
        audio = AudioRendition(uri=carry(variant_url(video, AUDIO_DIR)), channels=audio.channels)
    tracks = subtitle_tracks(video) if subtitles is None else subtitles
    tracks = [replace(track, uri=carry(track.uri)) for track in tracks]
    return master_playlist(variants, audio=audio, subtitles=tracks)


def variant_playlist_text(video: Video, rung: str, rendition: Rendition | None = None) -> str:
    """A variant (or audio) playlist with its init and segment URIs signed for direct download."""
    key = rendition.playlist_key if rendition else storage.variant_playlist_key(video.output_prefix, rung)
    base = key.rsplit("/", 1)[0]
    expire = url_expiry(video)
    text = _read(key, cached=rendition is None or rendition.complete)
    return rewrite_playlist(text, lambda uri: default_storage.url(f"{base}/{uri}", expire=expire))


@require_GET
def hls_master(request, video_id):
    video, token = playable_video(request, video_id)
    return _playlist_response(master_playlist_text(video, token=token))


@require_GET
def hls_variant(request, video_id, rung):
    video, _ = playable_video(request, video_id)
    rendition = None
    if rung != AUDIO_DIR:
        rendition = video.renditions.filter(name=rung).first()
        if rendition is None:
            raise Http404("No such rendition.")
    elif not video.output_prefix:  # the first rendition plays alone; the ladder's audio comes with it
        raise Http404("No such rendition.")
    try:
        text = variant_playlist_text(video, rung, rendition)
    except FileNotFoundError:
        raise Http404("No such rendition.") from None
    response = _playlist_response(text)
    # The signed URLs inside must not be reused from a cache after they expire; a growing playlist
    # not at all.
    complete = rendition is None or rendition.complete
    response["Cache-Control"] = f"private, max-age={max(0, url_expiry(video) // 2)}" if complete else "private, no-cache"
    return response


def _playlist_response(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type=PLAYLIST_TYPE)
    response["Cache-Control"] = "private, no-cache"
    return response


def _read(key: str, *, cached: bool = True) -> str:
    if not cached:  # a growing playlist (a first rendition being written)
        with default_storage.open(key, "rb") as handle:
            return handle.read().decode()
    cache_key = f"hls:{key}"
    try:
        text = cache.get(cache_key)
    except Exception:  # the cache is an optimisation; Redis being away must not stop playback
        logger.warning("cache unavailable", exc_info=True)
        text = None
    if text is None:
        with default_storage.open(key, "rb") as handle:
            text = handle.read().decode()
        try:
            cache.set(cache_key, text, PLAYLIST_CACHE_SECONDS)
        except Exception:
            pass
    return text


def _attributes(line: str) -> dict[str, str]:
    return {name: value.strip('"') for name, value in _ATTRIBUTE.findall(line.split(":", 1)[1])}
