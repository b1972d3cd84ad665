"""Real ffprobe and ffmpeg on tiny generated clips (no database)."""

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from videos.ffmpeg import (
    FFmpegCancelled, FFmpegError, ProbeError, finalize_hls, hls_command, ladder_for, make_output_dirs, probe,
)
from bench.baseline import rung_command
from videos.ffmpeg.commands import storyboard_for, storyboard_sheet_command
from videos.ffmpeg.runner import run, run_ffmpeg, run_ffprobe

SMALL_RUNGS = [(240, 400_000), (144, 200_000)]


def make_clip(path: Path, *, size="320x240", rate=30, seconds=2, audio=True, extra=()) -> Path:
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", *extra]
    if audio:
        cmd += ["-c:a", "aac"]
    subprocess.run([*cmd, str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("clips")
    landscape = make_clip(root / "landscape.mp4")
    plain = make_clip(root / "plain.mp4", size="320x180", seconds=1, audio=False)
    rotated = root / "rotated.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(plain), "-c", "copy", "-metadata:s:v", "rotate=90", str(rotated)],
        check=True,
    )
    tiny = make_clip(root / "tiny.mkv", size="176x144", seconds=1, audio=False, extra=["-pix_fmt", "yuv444p10le"])
    return {"landscape": landscape, "rotated": rotated, "tiny": tiny, "root": root}


def ffprobe_size(path: Path) -> tuple[int, int]:
    """Width and height of our own outputs (images too, which the upload allowlist refuses)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", str(path)],
                         capture_output=True, check=True).stdout
    stream = next(s for s in json.loads(out)["streams"] if s["codec_type"] == "video")
    return stream["width"], stream["height"]


def transcode(source: Path, out_dir: Path, **kwargs):
    info = probe(source)
    ladder = ladder_for(info, rungs=kwargs.pop("rungs", SMALL_RUNGS))
    storyboard = storyboard_for(info, interval=0.5)
    make_output_dirs(out_dir)
    cmd = hls_command(source=source, probe=info, ladder=ladder, out_dir=out_dir, storyboard=storyboard, **kwargs)
    progress = list(run_ffmpeg(cmd, duration=info.duration, stderr_path=out_dir / "ffmpeg.log", poll=0.1))
    run(storyboard_sheet_command(out_dir=out_dir, storyboard=storyboard), stderr_path=out_dir / "sheet.log")
    return info, ladder, progress, finalize_hls(out_dir, ladder, has_audio=info.has_audio)


def test_probe_real_clips(clips):
    landscape = probe(clips["landscape"])
    assert (landscape.width, landscape.height, landscape.has_audio) == (320, 240, True)
    assert landscape.duration == pytest.approx(2.0, abs=0.1) and landscape.fps == 30
    rotated = probe(clips["rotated"])
    assert (rotated.width, rotated.height, rotated.has_audio) == (180, 320, False)
    tiny = probe(clips["tiny"])
    assert tiny.pix_fmt == "yuv444p10le" and tiny.needs_pixel_conversion


def test_one_pass_makes_ladder_poster_and_storyboard(clips, tmp_path):
    info, ladder, progress, output = transcode(clips["landscape"], tmp_path, segment_seconds=1)
    hls = tmp_path / "hls"
    assert [rung.height for rung in ladder] == [240, 144]
    for rung in ladder:
        files = sorted(p.name for p in (hls / rung.name).iterdir())
        assert files[:2] == ["index.m3u8", "init.mp4"] and files[2:] == ["seg_00001.m4s", "seg_00002.m4s"]
        assert ffprobe_size(hls / rung.name / "init.mp4") == (rung.width, rung.height)
    assert (hls / "audio" / "init.mp4").exists()
    # Keyframes aligned: every rung is cut at the same timestamps.
    durations = {
        rung.name: [line for line in (hls / rung.name / "index.m3u8").read_text().splitlines() if line.startswith("#EXTINF")]
        for rung in ladder
    }
    assert durations["240p"] == durations["144p"] and len(durations["240p"]) == 2
    master = (hls / "master.m3u8").read_text()
    assert 'RESOLUTION=320x240' in master and 'CODECS="avc1.' in master and ',mp4a.40.2"' in master
    assert 'URI="audio/index.m3u8"' in master and "240p/index.m3u8" in master
    assert all(v.bandwidth > 0 and v.average_bandwidth > 0 for v in output.variants)
    poster = (tmp_path / "thumbs" / "poster.jpg").read_bytes()
    assert poster[:3] == b"\xff\xd8\xff" and ffprobe_size(tmp_path / "thumbs" / "poster.jpg") == (320, 240)
    assert ffprobe_size(tmp_path / "thumbs" / "storyboard.jpg") == (160 * 4, 120)
    assert progress[-1].done and progress[-1].percent == 100
    assert [p.percent for p in progress] == sorted(p.percent for p in progress)


def test_rotated_clip_without_audio_comes_out_upright(clips, tmp_path):
    info, ladder, _, output = transcode(clips["rotated"], tmp_path, rungs=[(360, 800_000), (180, 300_000)])
    assert [(r.width, r.height) for r in ladder] == [(180, 320)]
    assert ffprobe_size(tmp_path / "hls" / "180p" / "init.mp4") == (180, 320)
    assert not (tmp_path / "hls" / "audio").exists() and output.audio is None
    assert "AUDIO" not in (tmp_path / "hls" / "master.m3u8").read_text()


def test_tiny_ten_bit_444_clip_becomes_8bit_420(clips, tmp_path):
    _, ladder, _, _ = transcode(clips["tiny"], tmp_path)
    assert [(r.width, r.height) for r in ladder] == [(176, 144)]
    variant = tmp_path / "hls" / "144p"
    joined = tmp_path / "joined.mp4"
    joined.write_bytes((variant / "init.mp4").read_bytes() + (variant / "seg_00001.m4s").read_bytes())
    assert run_ffprobe(joined)["streams"][0]["pix_fmt"] == "yuv420p"


def test_rung_command_writes_init_mp4(clips, tmp_path):
    info = probe(clips["landscape"])
    rung = ladder_for(info, rungs=SMALL_RUNGS)[1]
    make_output_dirs(tmp_path, [rung])
    run(rung_command(source=clips["landscape"], probe=info, rung=rung, out_dir=tmp_path), stderr_path=tmp_path / "log")
    assert ffprobe_size(tmp_path / "hls" / "144p" / "init.mp4") == (192, 144)


def test_bad_files_raise_probe_error(clips, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.touch()
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(clips["landscape"].read_bytes()[:4000])
    noise = tmp_path / "noise.mov"
    noise.write_bytes(os.urandom(64_000))
    for path, message in [(empty, "empty"), (text, "not a video"), (truncated, "damaged"), (noise, "not a video")]:
        with pytest.raises(ProbeError, match=message):
            probe(path)
    with pytest.raises(ProbeError, match="could not be found"):
        probe(tmp_path / "missing.mp4")


def _children() -> list[int]:
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if stat.rsplit(")", 1)[1].split()[1] == me and "ffmpeg" in stat:
                found.append(int(entry))
    return found


def test_cancel_stops_ffmpeg_within_two_seconds(tmp_path):
    cmd = ["ffmpeg", "-nostdin", "-nostats", "-progress", "pipe:1", "-re",
           "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=10", "-f", "null", "-"]
    cancel_at = time.monotonic() + 1.0
    seen = []
    with pytest.raises(FFmpegCancelled):
        for progress in run_ffmpeg(cmd, duration=3600, stderr_path=tmp_path / "log",
                                   should_cancel=lambda: time.monotonic() > cancel_at, poll=0.1):
            seen.append(progress)
    assert time.monotonic() - cancel_at < 2.0
    assert seen and not seen[-1].done
    assert _children() == []


def test_closing_the_iterator_stops_ffmpeg(tmp_path):
    cmd = ["ffmpeg", "-nostdin", "-nostats", "-progress", "pipe:1", "-re",
           "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=10", "-f", "null", "-"]
    iterator = run_ffmpeg(cmd, duration=3600, stderr_path=tmp_path / "log", poll=0.1)
    next(iterator)
    iterator.close()
    assert _children() == []


def test_ffmpeg_failure_raises_with_stderr_tail(clips, tmp_path):
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(clips["landscape"]),
           "-vf", "nosuchfilter", "-f", "null", "-"]
    with pytest.raises(FFmpegError) as caught:
        list(run_ffmpeg(cmd, duration=2, stderr_path=tmp_path / "log"))
    assert caught.value.returncode != 0 and "nosuchfilter" in caught.value.stderr_tail
    assert "ffmpeg failed" in str(caught.value)


def test_av1_rungs_encode_in_the_same_pass(clips, tmp_path):
    info = probe(clips["landscape"])
    ladder = ladder_for(info, rungs=[(144, 200_000)], av1=True)
    make_output_dirs(tmp_path)
    cmd = hls_command(source=clips["landscape"], probe=info, ladder=ladder, out_dir=tmp_path)
    list(run_ffmpeg(cmd, duration=info.duration, stderr_path=tmp_path / "log"))
    output = finalize_hls(tmp_path, ladder, has_audio=True)
    assert [v.codecs.split(".")[0] for v in output.variants] == ["avc1", "av01"]
    stream = run_ffprobe(tmp_path / "hls" / "144p-av1" / "init.mp4")["streams"][0]
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("av1", 192, 144)
    assert 'CODECS="av01.0.' in (tmp_path / "hls" / "master.m3u8").read_text()
