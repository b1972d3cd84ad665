"""Writes of subtitles: convert an upload, store it beside its original, keep one per (video, language, kind)."""

import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_noop

from notifications.events import SubtitleReady
from notifications.services import event_publish, video_group
from videos import storage
from videos.models import Video

from .convert import (
    DEFAULT_MAX_BYTES, Conversion, SubtitleError, Track, language_normalize, size_check, subtitle_convert,
)
from .models import Subtitle

logger = logging.getLogger(__name__)

VTT_CONTENT_TYPE = "text/vtt; charset=utf-8"


def subtitle_max_bytes() -> int:
    return getattr(settings, "SUBTITLE_MAX_BYTES", DEFAULT_MAX_BYTES)


def upload_read(file) -> bytes:
    """The bytes of an uploaded file, refusing one over the limit without reading all of it."""
    limit = subtitle_max_bytes()
    if file.size is not None:
        size_check(file.size, max_bytes=limit)
    file.seek(0)
    data = file.read(limit + 1)
    file.seek(0)
    return data


def subtitle_conversion(*, video: Video, data: bytes) -> Conversion:
    """Convert uploaded bytes for this video (its frame rate and length); raise SubtitleError."""
    return subtitle_convert(data=data, fps=video.fps, duration=video.duration, max_bytes=subtitle_max_bytes())


def subtitle_save(
    *,
    video: Video,
    language: str,
    data: bytes,
    filename: str = "",
    kind: str = Subtitle.Kind.SUBTITLES,
    label: str = "",
    is_default: bool = False,
    conversion: Conversion | None = None,
    generated: bool = False,
) -> tuple[Subtitle, bool]:
    """Create the video's subtitle for (language, kind), or replace the one there is.

    Returns (subtitle, created) for the upload's language; a file with several languages (SAMI)
    saves the others too (subtitles_save). Raises SubtitleError for an unusable file or language
    tag. Sends `subtitle_ready` once the row is committed. `generated` marks captions made from
    the video's speech (subtitles.captioning); an upload over them clears it.
    """
    return subtitles_save(
        video=video, language=language, data=data, filename=filename, kind=kind, label=label,
        is_default=is_default, conversion=conversion, generated=generated,
    )[0]


def subtitles_save(
    *,
    video: Video,
    language: str,
    data: bytes,
    filename: str = "",
    kind: str = Subtitle.Kind.SUBTITLES,
    label: str = "",
    is_default: bool = False,
    conversion: Conversion | None = None,
    generated: bool = False,
) -> list[tuple[Subtitle, bool]]:
    """Save each language of the file as the video's subtitle in that language, the upload's first.

    Most formats hold one language, saved under `language`. A SAMI file with several gives a
    subtitle for each, in the language its STYLE block names and labelled with the name it gives
    there; `language` goes to the one that names none, `label` and `is_default` to the first.
    Returns (subtitle, created) pairs, all saved in one transaction.
    """
    language = language_normalize(language)
    if kind not in Subtitle.Kind.values:
        raise SubtitleError(
            gettext_noop("Kind must be one of: %(kinds)s."), code="kind", params={"kinds": ", ".join(Subtitle.Kind.values)}
        )
    if conversion is None:
        conversion = subtitle_conversion(video=video, data=data)
    warnings = list(conversion.warnings)
    named = _tracks_named(conversion.tracks, language, warnings)
    saved = []
    with transaction.atomic():
        for index, (track, track_language) in enumerate(named):
            first = index == 0
            saved.append(_subtitle_store(
                video=video, language=track_language, kind=kind, data=data, filename=filename,
                label=label if first and label.strip() else track.name, is_default=is_default and first,
                conversion=conversion, track=track, warnings=warnings, generated=generated,
            ))
    return saved


def _tracks_named(tracks: list[Track], language: str, warnings: list[str]) -> list[tuple[Track, str]]:
    """Each track with the language it is saved in, the upload's first; a track no language can be given is left out."""
    if len(tracks) == 1:
        return [(tracks[0], language)]
    declared = {track.language for track in tracks if track.language}
    named: dict[str, Track] = {}
    for track in tracks:
        what = f"The part of the file named {track.name!r}" if track.name else "A part of the file"
        if track.language:
            track_language = track.language
        elif language not in declared and language not in named:
            track_language = language  # the uploader says which language the file is in
        else:
            warnings.append(f"{what} names no language, and the upload's ({language}) is taken; it was left out.")
            continue
        if track_language in named:
            warnings.append(f"{what} is in {track_language}, like an earlier part; it was left out.")
            continue
        named[track_language] = track
    first = language if language in named else next(iter(named))
    return [(named[first], first)] + [(track, tag) for tag, track in named.items() if tag != first]


def _subtitle_store(
    *, video: Video, language: str, kind: str, data: bytes, filename: str, label: str, is_default: bool,
    conversion: Conversion, track: Track, warnings: list[str], generated: bool = False,
) -> tuple[Subtitle, bool]:
    vtt_key = storage.subtitle_vtt_key(video.pk, language, kind)
    original_key = storage.subtitle_original_key(video.pk, language, kind, filename or f"original.{conversion.format}")
    with transaction.atomic():
        existing = Subtitle.objects.select_for_update().filter(video=video, language=language, kind=kind).first()
        previous_original = existing.original_key if existing else ""
        subtitle = existing or Subtitle(video=video, language=language, kind=kind)
        # An upload over generated captions does not keep their "(auto-generated)" label.
        kept_label = existing.label if existing and existing.generated == generated else ""
        subtitle.label = label.strip() or kept_label
        subtitle.source_format = conversion.format
        subtitle.source_encoding = conversion.encoding
        subtitle.cue_count = len(track.cues)
        subtitle.warnings = warnings
        subtitle.generated = generated
        subtitle.vtt_key, subtitle.original_key = vtt_key, original_key
        subtitle.is_default = is_default or (existing.is_default if existing else False)
        # Objects first, row second: a row never points at a key that was not written.
        _put(vtt_key, track.vtt.encode("utf-8"), VTT_CONTENT_TYPE)
        _put(original_key, data, "application/octet-stream")
        subtitle.save()
        if subtitle.is_default:
            Subtitle.objects.filter(video=video, is_default=True).exclude(pk=subtitle.pk).update(is_default=False)
        if previous_original and previous_original != original_key:
            transaction.on_commit(lambda: default_storage.delete(previous_original))
        event_publish(
            SubtitleReady(video_id=str(video.pk), subtitle_id=subtitle.pk, language=subtitle.language),
            user_ids=[video.owner_id],
            groups=[video_group(video.pk)],
        )
    return subtitle, existing is None


def subtitle_update(*, subtitle: Subtitle, label: str | None = None, is_default: bool | None = None) -> Subtitle:
    """Change a subtitle's label or default flag (only one subtitle of a video is the default)."""
    with transaction.atomic():
        if label is not None:
            subtitle.label = label.strip()
        if is_default is not None:
            subtitle.is_default = is_default
            if is_default:
                Subtitle.objects.filter(video_id=subtitle.video_id, is_default=True).exclude(
                    pk=subtitle.pk
                ).update(is_default=False)
        subtitle.save(update_fields=["label", "is_default", "updated_at"])
    return subtitle


def subtitle_delete(*, subtitle: Subtitle) -> None:
    """Delete a subtitle and, once that is committed, its WebVTT and original files."""
    keys = [key for key in (subtitle.vtt_key, subtitle.original_key) if key]
    with transaction.atomic():
        subtitle.delete()
        transaction.on_commit(lambda: _delete_quietly(keys))


def _put(key: str, data: bytes, content_type: str) -> None:
    # Keys are fixed per (language, kind): a replacement overwrites.
    default_storage.put_bytes(key, data, content_type=content_type)


def _delete_quietly(keys: list[str]) -> None:
    for key in keys:
        try:
            default_storage.delete(key)
        except Exception:  # an orphaned object is cleaned up later; the row is already gone
            logger.exception("could not delete %s", key)
