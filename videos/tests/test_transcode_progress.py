"""Progress for any length: a storyboard or poster that fills late must not hold back -progress.

A clip of a few seconds fills its storyboard at once and hid this; these clips are long enough
for a many-tile storyboard (one tile every 2 s), and one is a minute of 1080p through the pipeline.
"""

import time

import pytest
from django.core.files.storage import default_storage

from videos import transcode
from videos.ffmpeg import make_output_dirs, probe, run_ffmpeg
from videos.models import Video

from .transcode_fixtures import eager_celery, transcode_settings, upload  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ninety_seconds(clip_of):
    return clip_of(seconds=90, size="320x240", preset="ultrafast")


@pytest.fixture(scope="module")
def minute_1080p(clip_of):
    return clip_of(seconds=64, size="1920x1080", preset="ultrafast", crf=30)


def test_the_pass_reports_progress_from_its_first_seconds(transcode_settings, ninety_seconds, tmp_path):
    info = probe(ninety_seconds)
    plan = transcode.transcode_plan(info)
    assert plan.storyboard.count == 45  # tiles fill one by one over the whole pass
    out = tmp_path / "out"
    make_output_dirs(out)
    reports = list(run_ffmpeg(plan.command(source=ninety_seconds, out_dir=out), duration=info.duration,
                              stderr_path=tmp_path / "ffmpeg.log"))
    # Before the fix the first block came when the storyboard filled, at the very end.
    early = [r for r in reports if not r.done and r.out_time < info.duration / 2]
    assert early, [(r.out_time, r.percent) for r in reports]
    percents = [r.percent for r in reports]
    assert percents == sorted(percents) and percents[-1] == 100.0


@pytest.mark.django_db(transaction=True)
def test_a_minute_of_1080p_reports_progress_all_the_way(settings, transcode_settings, eager_celery, user,
                                                        minute_1080p, monkeypatch):
    settings.TRANSCODE_RUNGS = ["1080:5000000", "720:2800000", "480:1400000", "360:800000"]
    settings.TRANSCODE_SEGMENT_SECONDS = 4
    published = []
    original = transcode.progress.publish_progress

    def spy(video_id, owner_id, **fields):
        published.append((time.monotonic(), fields))
        original(video_id, owner_id, **fields)

    monkeypatch.setattr(transcode.progress, "publish_progress", spy)
    video = upload(user, minute_1080p)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    assert [r.name for r in video.renditions.all()] == ["1080p", "720p", "480p", "360p"]

    encoding = [(at, f) for at, f in published if f["stage"] == "transcoding"]
    assert len(encoding) >= 5, published
    gaps = [b[0] - a[0] for a, b in zip(encoding, encoding[1:])]
    assert max(gaps) < 5, gaps  # ffmpeg reports every 0.5 s; the throttle sends 2 a second
    percents = [f["progress"] for _, f in published]
    assert percents == sorted(percents)
    assert any(f["speed"] and f["eta"] is not None for _, f in encoding)
    # Spread over the pass, not bunched at its end.
    assert min(f["progress"] for _, f in encoding[1:]) < 50

    # The storyboard sheet was put together from its tiles: 32 tiles, 10 a row, 160x90 each.
    from .test_ffmpeg_run import ffprobe_size

    with default_storage.open(video.storyboard_image_key) as sheet, open(settings.MEDIA_ROOT / "sheet.jpg", "wb") as f:
        f.write(sheet.read())
    assert ffprobe_size(settings.MEDIA_ROOT / "sheet.jpg") == (1600, 360)
    assert not [k for k in default_storage.listdir(video.output_prefix)[0] if "tiles" in k]
