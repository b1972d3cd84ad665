"""Captions from speech: ask for them (one video, or every video that becomes ready), and make them.

The work runs on the `captions` queue, whose one worker process runs at nice 19 (scripts/run.sh):
transcodes and first renditions keep the CPU, and captions use what they leave. The result is an
ordinary subtitle (kind captions, marked `generated`) saved through subtitles.services, so it is
announced by `subtitle_ready` and replaced or deleted like any other; an uploaded track of the
same language and kind is never overwritten. No audio, or no speech in it, gives no captions.
"""

import logging
import tempfile
import time
from pathlib import Path

import langcodes
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext

from mediasite.errors import StateConflict
from videos.ffmpeg import probe, run_ffmpeg
from videos.ffmpeg.speech import speech_audio_command
from videos.models import Video
from videos.transcode import pass_limits, probe_limits

from . import selectors, services, speech
from .convert import language_normalize
from .models import Subtitle

logger = logging.getLogger(__name__)

GENERATED_FILENAME = "generated.vtt"
TRANSCODE_TASK = "videos.tasks.video_transcode"


def captions_model_dir() -> Path:
    """The model to use: CAPTIONS_MODEL_DIR, or the bundled tiny.en."""
    if settings.CAPTIONS_MODEL_DIR:
        return speech.model_dir_check(settings.CAPTIONS_MODEL_DIR)
    return speech.default_model_dir()


def captions_request(*, video: Video) -> None:
    """Queue captions from the video's speech; StateConflict when it is not ready, has no sound, or they are on their way."""
    if video.status != Video.Status.READY:
        raise StateConflict(gettext("Captions can be made once the video is ready."))
    if video.has_audio is False:
        raise StateConflict(gettext("This video has no sound to make captions from."))
    # One request at a time per video: a second click while the first waits would do the work twice.
    if not cache.add(_pending_key(video.pk), True, timeout=settings.TRANSCODE_HARD_TIME_LIMIT):
        raise StateConflict(gettext("Captions for this video are already being made."))
    video_id = str(video.pk)
    transaction.on_commit(lambda: _enqueue(video_id))


def captions_pending(*, video: Video) -> bool:
    return bool(cache.get(_pending_key(video.pk)))


def captions_after_transcode(sender=None, args=None, kwargs=None, **_) -> None:
    """Celery's task_postrun, wired in apps.py: with AUTO_CAPTIONS, a video the transcode made ready gets captions.

    videos sits below subtitles and must not know of it (.importlinter), so subtitles listens for
    the end of the transcode task instead of being called by it.
    """
    if not settings.AUTO_CAPTIONS or getattr(sender, "name", None) != TRANSCODE_TASK:
        return
    video_id = (kwargs or {}).get("video_id") or next(iter(args or ()), None)
    video = Video.objects.filter(pk=video_id, status=Video.Status.READY).first() if video_id else None
    if video is None or video.has_audio is False or Subtitle.objects.filter(video=video, generated=True).exists():
        return
    try:
        captions_request(video=video)
    except StateConflict:
        pass  # already on their way


def captions_make(*, video_id) -> Subtitle | None:
    """Transcribe the video's speech and save it as its generated captions; None when there is none to save."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None or video.status != Video.Status.READY:
        return None
    if video.has_audio is False:
        logger.info("video %s: no audio, no captions", video.pk)
        return None
    model_dir = captions_model_dir()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mediasite-captions-", dir=settings.TRANSCODE_SCRATCH_DIR) as scratch:
        scratch = Path(scratch)
        source = default_storage.local_file(video.source.name, scratch)
        info = probe(source, probe_limits())
        if not info.has_audio:
            logger.info("video %s: no audio stream, no captions", video.pk)
            return None
        samples_path = scratch / "speech.f32"
        command = speech_audio_command(info, source, samples_path)
        for _ in run_ffmpeg(command, duration=info.duration, stderr_path=scratch / "ffmpeg.log",
                            limits=pass_limits(info.duration)):
            pass
        # Mapped from the file, not read (speech.engine): transcribed while the scratch folder exists.
        samples = speech.samples_read(samples_path)
        extracted = time.monotonic()
        model = speech.model_load(model_dir, threads=settings.CAPTIONS_THREADS)
        loaded = time.monotonic()
        transcript = speech.transcribe(model, samples)
        del samples
        done = time.monotonic()
    logger.info(
        "video %s: %d cues from %.1f s of audio (%.1f s of speech) in %.1f s (audio %.1f s, model %.1f s)",
        video.pk, len(transcript.cues), transcript.duration, transcript.speech_seconds, done - loaded,
        extracted - started, loaded - extracted,
    )
    if not transcript.cues:
        return None
    return _captions_save(video=video, transcript=transcript)


def captions_request_done(*, video_id) -> None:
    cache.delete(_pending_key(video_id))


def _captions_save(*, video: Video, transcript: speech.Transcript) -> Subtitle | None:
    language = language_normalize(transcript.language)
    kind = Subtitle.Kind.CAPTIONS
    existing = selectors.subtitle_get_by_language(video=video, language=language, kind=kind)
    if existing is not None and not existing.generated:
        logger.info("video %s: uploaded %s captions kept; the generated ones were not saved", video.pk, language)
        return None
    subtitle, _ = services.subtitle_save(
        video=video, language=language, kind=kind, data=speech.transcript_vtt(transcript).encode("utf-8"),
        filename=GENERATED_FILENAME, label=f"{langcodes.get(language).display_name()} (auto-generated)",
        generated=True,
    )
    return subtitle


def _pending_key(video_id) -> str:
    return f"captions-pending:{video_id}"


def _enqueue(video_id: str) -> None:
    from .tasks import subtitle_captions_generate

    subtitle_captions_generate.delay(video_id)
