"""Links to a video's playback: the URLs the API hands out, and the tokens that sign them.

The playlists themselves are served by the playback layer above (playback/), which checks these.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Video

MAX_URL_EXPIRY = 7 * 24 * 3600  # the longest a SigV4 presigned URL may live
TOKEN_PARAM = "token"
TOKEN_SALT = "mediasite.playback"


def url_expiry(video: Video) -> int:
    # A VOD playlist is fetched once and its segment URLs are used until the end of playback,
    # so they must outlive the video (twice its length covers pauses), not just a few minutes.
    return min(MAX_URL_EXPIRY, settings.MEDIA_URL_EXPIRY + 2 * int(video.duration or 0))


def playback_token(video: Video) -> str:
    """A signed, expiring token that lets whoever holds it play this one video (Mux's signed playback).

    It lives as long as the segment URLs a playlist signs (url_expiry), so a viewer is never cut
    off mid-play; after that, a video made private again no longer plays for it.
    """
    payload = {"v": str(video.pk), "e": int(time.time()) + url_expiry(video)}
    return signing.dumps(payload, salt=TOKEN_SALT, compress=False)


def playback_url(video: Video, *, request) -> str:
    """The master playlist URL the API gives out: plain for public and unlisted videos, signed for private ones."""
    url = request.build_absolute_uri(master_url(video))
    if video.visibility == Video.Visibility.PRIVATE:
        url += "?" + urlencode({TOKEN_PARAM: playback_token(video)})
    return url


def variant_url(video: Video, rung: str) -> str:
    return reverse("hls-variant", kwargs={"video_id": video.pk, "rung": rung})


def master_url(video: Video) -> str:
    return reverse("hls-master", kwargs={"video_id": video.pk})
