"""Captions from speech with the real model: espeak-ng's reading of a known sentence, silence, a tone, no audio."""

import contextlib
import logging
import re

import pytest
from django.core.files.storage import default_storage

from notifications.models import Notification
from subtitles import captioning, services
from subtitles.models import Subtitle
from subtitles.speech import SpeechModelError
from subtitles.speech.recall import heard_in_order, words_of

from .corpus import SRT
from .speech_clips import (
    SENTENCE,
    SPEECH_START,
    hushed_clip,
    needs_espeak,
    ready_video_of,
    speech_clip,
    speech_model,
)

pytestmark = [pytest.mark.django_db, needs_espeak]
__all__ = ["hushed_clip", "speech_clip", "speech_model"]  # fixtures, imported for pytest

_TIMING = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)$", re.M)


def cue_times(vtt: str) -> list[tuple[float, float]]:
    def seconds(h, m, s, ms):
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    return [(seconds(*match[:4]), seconds(*match[4:])) for match in _TIMING.findall(vtt)]


@contextlib.contextmanager
def captioning_log():
    """The records subtitles.captioning logs inside the block (the suite runs with -p no:logging)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append
    logger = logging.getLogger("subtitles.captioning")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def stored_text(subtitle: Subtitle) -> str:
    with default_storage.open(subtitle.vtt_key, "rb") as handle:
        return handle.read().decode()


def test_spoken_sentence_becomes_generated_english_captions(user, speech_clip, speech_model,
                                                            django_capture_on_commit_callbacks):
    path, speech_end = speech_clip
    video = ready_video_of(user, path)
    with django_capture_on_commit_callbacks(execute=True):
        subtitle = captioning.captions_make(video_id=video.pk)

    assert (subtitle.language, subtitle.kind, subtitle.generated) == ("en", "captions", True)
    assert subtitle.label == "English (auto-generated)"
    vtt = stored_text(subtitle)
    assert vtt.startswith("WEBVTT\n")
    text = " ".join(line for line in vtt.splitlines()[1:] if line and "-->" not in line)
    expected = words_of(SENTENCE)
    assert heard_in_order(expected, words_of(text)) >= 0.75 * len(expected), text
    times = cue_times(vtt)
    assert times and subtitle.cue_count == len(times)
    # Inside the speech, give or take the padding voice-activity detection keeps around it.
    assert all(SPEECH_START - 0.6 <= start < end <= speech_end + 0.6 for start, end in times), times
    assert [start for start, _ in times] == sorted(start for start, _ in times)
    event = Notification.objects.get(recipient=user, type="subtitle_ready")
    assert (event.payload["subtitle_id"], event.payload["language"]) == (subtitle.pk, "en")

    # Asked again, the generated captions are replaced, not doubled.
    again = captioning.captions_make(video_id=video.pk)
    assert again.pk == subtitle.pk and Subtitle.objects.filter(video=video).count() == 1

    # An upload over them is an ordinary subtitle; deleting works as for any other.
    replaced, created = services.subtitle_save(video=video, language="en", kind="captions", data=SRT.encode())
    assert (replaced.pk, created, replaced.generated, replaced.label) == (subtitle.pk, False, False, "")
    with django_capture_on_commit_callbacks(execute=True):
        services.subtitle_delete(subtitle=replaced)
    assert not Subtitle.objects.filter(video=video).exists()
    assert not default_storage.exists(subtitle.vtt_key)


def test_uploaded_captions_of_the_language_are_kept(user, speech_clip, speech_model):
    video = ready_video_of(user, speech_clip[0])
    uploaded, _ = services.subtitle_save(video=video, language="en", kind="captions", data=SRT.encode())
    assert captioning.captions_make(video_id=video.pk) is None
    uploaded.refresh_from_db()
    assert not uploaded.generated and "Hello, world." in stored_text(uploaded)


@pytest.mark.parametrize("clip", ["silence", "tone"])
def test_silence_or_a_tone_gives_no_captions_and_no_error(user, hushed_clip, clip_of, speech_model, clip):
    path = hushed_clip if clip == "silence" else clip_of(seconds=4, size="320x240")  # beeps at 440 Hz
    video = ready_video_of(user, path)
    with captioning_log() as records:
        assert captioning.captions_make(video_id=video.pk) is None
    assert not Subtitle.objects.filter(video=video).exists()
    # Transcribed, and voice-activity detection kept nothing of it.
    assert [record.getMessage().split(": ", 1)[1].split(" in ")[0] for record in records] == [
        "0 cues from 4.0 s of audio (0.0 s of speech)"
    ]


def test_a_video_with_no_audio_stream_gives_none_quietly(user, clip_of):
    video = ready_video_of(user, clip_of(seconds=1, size="320x180", audio=False, name="silent.mp4"), has_audio=None)
    with captioning_log() as records:
        assert captioning.captions_make(video_id=video.pk) is None
    assert [record.getMessage() for record in records] == [f"video {video.pk}: no audio stream, no captions"]
    assert not Subtitle.objects.filter(video=video).exists()


def test_a_model_directory_that_is_no_model_is_a_clear_error(user, settings, tmp_path, speech_clip):
    settings.CAPTIONS_MODEL_DIR = str(tmp_path)
    video = ready_video_of(user, speech_clip[0])
    with pytest.raises(SpeechModelError, match="is not a faster-whisper model directory .no model.bin, config.json."):
        captioning.captions_make(video_id=video.pk)
