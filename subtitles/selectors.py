"""Reads of subtitles."""

from django.db.models import QuerySet

from videos.models import Video

from .models import Subtitle


def subtitle_list(*, video: Video) -> QuerySet[Subtitle]:
    return Subtitle.objects.filter(video=video).order_by("language", "kind")


def subtitle_get(*, video: Video, subtitle_id: int) -> Subtitle | None:
    return Subtitle.objects.filter(video=video, pk=subtitle_id).first()


def subtitle_get_by_language(*, video: Video, language: str, kind: str) -> Subtitle | None:
    return Subtitle.objects.filter(video=video, language=language, kind=kind).first()
