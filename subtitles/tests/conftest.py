"""Fixtures for the subtitles app: videos in any state and API clients."""


import pytest
from rest_framework.test import APIClient

from tests.factories import VideoFactory
from videos.models import Video


def make_video(owner, *, ready=False, visibility=Video.Visibility.PUBLIC, **fields) -> Video:
    values = {"owner": owner, "title": "clip", "visibility": visibility, "duration": 10.0, "fps": 25.0,
              "source_size": None}
    if ready:
        values.update(ready=True, rendition__bandwidth=300_000)
    else:
        values.update(status=Video.Status.PROCESSING)
    return VideoFactory(**{**values, **fields})


@pytest.fixture
def video(user):
    return make_video(user)


@pytest.fixture
def owner_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client
