"""Reads of subtitles."""

from django.db.models import QuerySet

from videos.models import Video

from .models import Subtitle


def subtitle_list(*, video: Video) -> QuerySet[Subtitle]:
    return Subtitle.objects.filter(video=video).order_by("language", "kind")


# The URL converter takes any run of digits; the primary key column is a bigint.
_MAX_ID = 2**63 - 1


def subtitle_get(*, video: Video, subtitle_id: int) -> Subtitle | None:
    if not 0 < subtitle_id <= _MAX_ID:
        return None
    return Subtitle.objects.filter(video=video, pk=subtitle_id).first()


def subtitle_get_by_language(*, video: Video, language: str, kind: str) -> Subtitle | None:
    return Subtitle.objects.filter(video=video, language=language, kind=kind).first()
