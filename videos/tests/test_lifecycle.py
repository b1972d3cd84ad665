"""The life cycle in one module: allowed moves, the fields each state resets, its one event."""

import pytest

from mediasite.errors import StateConflict
from videos.lifecycle import MOVES, video_move
from videos.models import Video

pytestmark = pytest.mark.django_db

S = Video.Status


@pytest.fixture
def published(monkeypatch):
    events = []
    monkeypatch.setattr("videos.lifecycle.event_publish", lambda event, **kw: events.append(event.to_message()))
    return events


def _video(user, **fields):
    return Video.objects.create(owner=user, title="t", source="videos/x/source/a.mp4", **fields)


def test_every_state_has_its_moves_and_terminal_states_only_go_back_to_the_queue():
    assert set(MOVES) == set(S.values)
    for terminal in (S.READY, S.FAILED, S.CANCELLED):
        assert MOVES[terminal] == {S.QUEUED}


@pytest.mark.parametrize("start,to", [(S.QUEUED, S.READY), (S.QUEUED, S.FAILED), (S.READY, S.CANCELLED),
                                      (S.FAILED, S.PROCESSING), (S.CANCELLED, S.READY)])
def test_moves_that_are_not_allowed_are_refused(user, published, start, to):
    video = _video(user, status=start)
    with pytest.raises(StateConflict):
        video_move(video, to)
    video.refresh_from_db()
    assert video.status == start and published == []


def test_each_state_resets_its_fields_and_publishes_one_event(user, published):
    video = _video(user, status=S.FAILED, error="boom", failure_reason="ffmpeg", progress=40, attempt_count=2)
    video_move(video, S.QUEUED)
    assert (video.error, video.failure_reason, video.progress, video.stage) == ("", "", 0, "")
    video_move(video, S.PROCESSING, attempt="a1")
    assert video.attempt == "a1" and video.attempt_count == 3 and video.heartbeat_at and video.processing_started_at
    video_move(video, S.READY, renditions=["240p"])
    video.refresh_from_db()
    assert (video.status, video.progress) == (S.READY, 100) and video.ready_at
    assert [e["type"] for e in published] == ["transcode_progress", "transcode_complete"]  # a claim publishes nothing
    assert published[0]["status"] == "queued" and published[1]["renditions"] == ["240p"]
    video_move(video, S.QUEUED)
    video_move(video, S.PROCESSING, attempt="a2")
    video_move(video, S.FAILED, error="It broke.", reason=Video.FailureReason.FFMPEG)
    assert published[-1] == {**published[-1], "type": "transcode_failed", "error": "It broke."}
