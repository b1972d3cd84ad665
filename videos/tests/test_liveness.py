"""The watchdog: a lost worker's video goes back to the queue, a hung ffmpeg fails, live work is left alone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from videos import liveness
from videos.models import Video

pytestmark = pytest.mark.django_db(transaction=True)


def _processing(user, *, beat_age=None, progress_age=0.0, attempts=1, title="t"):
    now = timezone.now()
    return Video.objects.create(
        owner=user, title=title, source=f"videos/{title}/source/a.mp4", status=Video.Status.PROCESSING,
        attempt=f"{title}-attempt", attempt_count=attempts,
        heartbeat_at=None if beat_age is None else now - timedelta(seconds=beat_age),
        progress_at=now - timedelta(seconds=progress_age),
    )


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr("videos.services._enqueue_transcode", calls.append)
    return calls


def test_lost_worker_requeues_as_a_new_attempt(user, settings, enqueued):
    settings.TRANSCODE_WORKER_LOST_SECONDS = 60
    lost = _processing(user, beat_age=90, progress_age=90, title="lost")
    alive = _processing(user, beat_age=2, progress_age=30, title="alive")
    assert liveness.videos_watch() == {"requeued": 1, "failed": 0, "resent": 0}
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert lost.status == Video.Status.QUEUED and lost.attempt != "lost-attempt" and enqueued == [lost.pk]
    assert alive.status == Video.Status.PROCESSING and alive.attempt == "alive-attempt"


def test_lost_worker_out_of_attempts_fails_readably(user, settings, enqueued):
    settings.TRANSCODE_MAX_ATTEMPTS = 3
    video = _processing(user, beat_age=600, progress_age=600, attempts=3)
    assert liveness.videos_watch() == {"requeued": 0, "failed": 1, "resent": 0}
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and video.failure_reason == Video.FailureReason.WORKER_LOST
    assert "stopped 3 times" in video.error and enqueued == []


def test_hung_ffmpeg_with_a_live_worker_fails_as_stalled(user, settings, enqueued):
    settings.TRANSCODE_STALL_TIMEOUT = 600
    hung = _processing(user, beat_age=3, progress_age=11 * 60, title="hung")
    slow = _processing(user, beat_age=3, progress_age=9 * 60, title="slow")
    assert liveness.videos_watch() == {"requeued": 0, "failed": 1, "resent": 0}
    hung.refresh_from_db()
    slow.refresh_from_db()
    assert hung.status == Video.Status.FAILED and hung.failure_reason == Video.FailureReason.STALLED
    assert "no progress for 10 minutes" in hung.error and hung.attempt != "hung-attempt"
    assert slow.status == Video.Status.PROCESSING and enqueued == []


def test_a_long_encode_with_a_live_worker_is_never_failed(user, settings, enqueued):
    """Progress and liveness are apart: an encode longer than the stall timeout goes on while it moves."""
    settings.TRANSCODE_STALL_TIMEOUT = 60
    video = _processing(user, beat_age=1, progress_age=1)
    Video.objects.filter(pk=video.pk).update(processing_started_at=timezone.now() - timedelta(hours=2))
    assert liveness.videos_watch() == {"requeued": 0, "failed": 0, "resent": 0}


def test_heartbeat_thread_writes_while_the_attempt_runs(user, settings):
    settings.TRANSCODE_HEARTBEAT_SECONDS = 0.1
    video = _processing(user, beat_age=100)
    before = Video.objects.get(pk=video.pk).heartbeat_at
    with liveness.Heartbeat(video.pk, video.attempt):
        deadline = timezone.now() + timedelta(seconds=10)
        while Video.objects.get(pk=video.pk).heartbeat_at == before and timezone.now() < deadline:
            pass
    assert Video.objects.get(pk=video.pk).heartbeat_at > before


def test_a_video_queued_too_long_gets_its_task_sent_again_once_a_period(user, settings, enqueued):
    settings.TRANSCODE_QUEUED_RESEND_SECONDS = 600
    lost = Video.objects.create(owner=user, title="lost", source="videos/l/source/a.mp4")
    fresh = Video.objects.create(owner=user, title="fresh", source="videos/f/source/a.mp4")
    Video.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    assert liveness.videos_watch()["resent"] == 1 and enqueued == [lost.pk]
    assert liveness.videos_watch()["resent"] == 0 and enqueued == [lost.pk]  # not again within the period
    assert Video.objects.get(pk=fresh.pk).status == Video.Status.QUEUED


def test_a_running_attempt_sends_its_state_at_least_every_second_whatever_it_does(user, monkeypatch):
    """Steps without reports of their own (measuring segments, the storyboard sheet) leave no gap."""
    import time as clock

    from videos.transcode import progress

    sent = []
    monkeypatch.setattr(progress, "publish_progress", lambda *a, **kw: sent.append((clock.monotonic(), kw)) or True)
    video = _processing(user, beat_age=1)
    tracker = progress.ProgressTracker(video, video.attempt)
    with tracker.ticking():
        tracker.set_stage(Video.Stage.TRANSCODING, 40)
        clock.sleep(3.2)  # a step that reports nothing
    assert len(sent) >= 4  # the stage change, then about one a second
    gaps = [b[0] - a[0] for a, b in zip(sent, sent[1:])]
    assert max(gaps) < 1.6 and {kw["progress"] for _, kw in sent} == {40}
    count = len(sent)
    clock.sleep(1.5)
    assert len(sent) == count  # nothing after the block ends
