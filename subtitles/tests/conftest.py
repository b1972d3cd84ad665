"""Fixtures for the subtitles app: videos in any state and API clients."""

import uuid

import pytest
from rest_framework.test import APIClient

from videos import storage
from videos.models import Rendition, Video


def make_video(owner, *, ready=False, visibility=Video.Visibility.PUBLIC, **fields) -> Video:
    video_id = uuid.uuid4()
    values = {
        "id": video_id, "owner": owner, "title": "clip", "visibility": visibility,
        "status": Video.Status.PROCESSING, "source": storage.source_key(video_id, "clip.mp4"),
        "source_name": "clip.mp4", "duration": 10.0, "fps": 25.0,
    }
    if ready:
        values.update(status=Video.Status.READY, output_prefix=storage.output_prefix(video_id, "a1"), progress=100)
    values.update(fields)
    video = Video.objects.create(**values)
    if ready:
        Rendition.objects.create(
            video=video, name="240p", width=320, height=240, bandwidth=300_000,
            playlist_key=storage.variant_playlist_key(video.output_prefix, "240p"),
        )
    return video


@pytest.fixture
def video(user):
    return make_video(user)


@pytest.fixture
def owner_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client
