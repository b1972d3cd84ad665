"""Captions from speech end to end on the real S3 server: AUTO_CAPTIONS after a real upload, and a minute of 1080p."""

import pytest
from django.core.files.storage import default_storage

from subtitles import captioning
from subtitles.models import Subtitle
from subtitles.speech.recall import heard_in_order, words_of
from videos.models import Video
from videos.tests.transcode_fixtures import (
    eager_celery,
    pipeline,
    transcode_settings,
    upload,
)

from .speech_clips import (
    PARAGRAPH,
    SENTENCE,
    SPEECH_START,
    long_speech_clip,
    needs_espeak,
    ready_video_of,
    speech_clip,
    speech_model,
)
from .test_captions_speech import cue_times

pytestmark = [pytest.mark.s3, needs_espeak]
__all__ = ["eager_celery", "long_speech_clip", "pipeline", "speech_clip", "speech_model", "transcode_settings"]


def _heard(subtitle: Subtitle) -> tuple[list[str], list[tuple[float, float]], list[str]]:
    """The words of the stored WebVTT, its cue times and its text lines."""
    with default_storage.open(subtitle.vtt_key, "rb") as handle:
        vtt = handle.read().decode()
    lines = [line for line in vtt.splitlines()[1:] if line and "-->" not in line]
    return words_of(" ".join(lines)), cue_times(vtt), lines


@pytest.mark.parametrize("auto", [True, False])
def test_auto_captions_caption_an_upload_once_it_is_ready(pipeline, settings, user, speech_clip, speech_model, auto):
    settings.AUTO_CAPTIONS = auto
    video = upload(user, speech_clip[0])  # transcoded on commit, in-process (eager Celery), then captioned
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    subtitles = list(Subtitle.objects.filter(video=video))
    if not auto:
        assert subtitles == []
        return
    assert [(s.language, s.kind, s.generated) for s in subtitles] == [("en", "captions", True)]
    words, _, _ = _heard(subtitles[0])
    assert heard_in_order(words_of(SENTENCE), words) >= 0.75 * len(words_of(SENTENCE))
    assert not captioning.captions_pending(video=video)  # the task's end cleared the request


@pytest.mark.slow
@pytest.mark.django_db
def test_a_minute_of_1080p_speech_on_s3(s3_storage, user, long_speech_clip, speech_model):
    path, speech_end = long_speech_clip
    video = ready_video_of(user, path)  # the source is downloaded from S3 (local_file), as a worker does
    subtitle = captioning.captions_make(video_id=video.pk)
    words, times, lines = _heard(subtitle)
    expected = words_of(PARAGRAPH)
    assert heard_in_order(expected, words) >= 0.75 * len(expected), " ".join(words)
    assert all(SPEECH_START - 0.6 <= start < end <= speech_end + 0.6 for start, end in times), times
    assert times[-1][1] > speech_end - 5  # the whole paragraph, not its first window only
    assert max(len(line) for line in lines) <= 42  # cut into caption lines
