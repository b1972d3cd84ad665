"""Factories (factory-boy) for the rows tests need: users, videos in any state, renditions, subtitles.

    VideoFactory(owner=user)                       a queued private video, its source key set
    VideoFactory(owner=user, ready=True)           ready, with an output prefix and one 240p rendition
"""

import uuid

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from videos import storage
from videos.models import Rendition, Video


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-factory-123")


class RenditionFactory(DjangoModelFactory):
    class Meta:
        model = Rendition

    video = factory.SubFactory("tests.factories.VideoFactory", ready=True, rendition=None)
    name = "240p"
    width = 320
    height = 240
    bandwidth = 400_000
    average_bandwidth = 300_000
    codecs = "avc1.64000d"
    playlist_key = factory.LazyAttribute(lambda o: storage.variant_playlist_key(o.video.output_prefix, o.name))


class VideoFactory(DjangoModelFactory):
    class Meta:
        model = Video
        skip_postgeneration_save = True

    id = factory.LazyFunction(uuid.uuid4)
    owner = factory.SubFactory(UserFactory)
    title = factory.LazyAttribute(lambda o: f"clip {str(o.id)[:8]}")
    visibility = Video.Visibility.PRIVATE
    status = Video.Status.QUEUED
    source = factory.LazyAttribute(lambda o: storage.source_key(o.id, "clip.mp4"))
    source_name = "clip.mp4"
    source_size = 1234

    class Params:
        ready = factory.Trait(
            status=Video.Status.READY,
            output_prefix=factory.LazyAttribute(lambda o: storage.output_prefix(o.id, "a1")),
            duration=2.0, width=320, height=240, fps=25.0, has_audio=False, progress=100,
            rendition=factory.RelatedFactory(RenditionFactory, factory_related_name="video"),
        )
