"""Fixtures for the transcode and playback tests: tiny generated clips, eager Celery, small rungs."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.files import File

from mediasite.celery import app as celery_app
from notifications.services import user_group
from videos import services

SMALL_RUNGS = ["240:400000", "144:200000"]


@pytest.fixture(scope="session")
def clip(clip_of):
    """A 2-second 320x240 clip with a tone."""
    return clip_of(seconds=2, size="320x240", name="clip.mp4")


@pytest.fixture(scope="session")
def silent_clip(clip_of):
    return clip_of(seconds=1, size="320x180", audio=False, name="silent.mp4")


@pytest.fixture
def transcode_settings(settings):
    settings.TRANSCODE_RUNGS = SMALL_RUNGS
    settings.TRANSCODE_SEGMENT_SECONDS = 1
    settings.TRANSCODE_PRESET = "ultrafast"
    return settings


@pytest.fixture
def eager_celery():
    """Run tasks in-process when they are enqueued (on commit), as a worker would."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def pipeline(transactional_db, transcode_settings, eager_celery, s3_storage):
    """Everything a real upload goes through: PostgreSQL, eager Celery, the real S3 server."""
    return s3_storage


def upload(owner, path, *, title="Clip", visibility="private", name=None):
    with open(path, "rb") as handle:
        return services.video_create(owner=owner, file=File(handle, name=name or path.name), title=title, visibility=visibility)


def all_keys(client, bucket) -> list[str]:
    """Every key in the bucket, sorted."""
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


class EventListener:
    """Listens to a channel layer group the way a websocket consumer does."""

    def __init__(self, group: str):
        self.layer = get_channel_layer()
        self.group = group
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(group, self.channel)

    def drain(self, timeout: float = 0.5) -> list[dict]:
        async def receive_all():
            events = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), timeout)
                except asyncio.TimeoutError:
                    return events
                events.append(message["event"])

        events = async_to_sync(receive_all)()
        async_to_sync(self.layer.group_discard)(self.group, self.channel)
        return events


@pytest.fixture
def user_events(user):
    return EventListener(user_group(user.pk))
