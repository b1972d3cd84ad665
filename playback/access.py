"""Who may play a video: a playback token alone, or the viewer's own access."""

from __future__ import annotations

import time

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404

from videos import selectors
from videos.models import Video
from videos.playback_links import TOKEN_PARAM, TOKEN_SALT


def playable_video(request, video_id) -> tuple[Video, str | None]:
    """The ready video this request may play, and the playback token it came with (if any).

    A token alone is enough, with no session or header; a bad or expired one is a 403. Without
    one, the viewer's own access decides (404 when the video is hidden from them).
    """
    token = request.GET.get(TOKEN_PARAM)
    if token is not None:
        try:
            payload = signing.loads(token, salt=TOKEN_SALT)
        except signing.BadSignature:
            raise PermissionDenied("This playback link is not valid.") from None
        if not isinstance(payload, dict) or payload.get("v") != str(video_id):
            raise PermissionDenied("This playback link is for another video.")
        if not isinstance(payload.get("e"), int) or payload["e"] < time.time():
            raise PermissionDenied("This playback link has expired.")
        video = Video.objects.filter(pk=video_id).first()
    else:
        video = selectors.video_get_visible(user=request.user, video_id=video_id)
    if video is None or not video.is_playable:
        raise Http404("No such video, or it cannot be played yet.")
    return video, token
