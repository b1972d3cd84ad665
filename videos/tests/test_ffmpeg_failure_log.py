"""A failed ffmpeg pass is logged once, where it fails, with its command and stderr tail."""

import logging

import pytest

from videos.ffmpeg import FFmpegError, run_ffmpeg
from videos.ffmpeg.runner import Limits, run


def _failures(caplog):
    return [record for record in caplog.records if record.name == "videos.ffmpeg.runner"]


def test_a_failed_pass_logs_its_command_and_stderr_tail_once(tmp_path, caplog):
    missing = tmp_path / "no such dir" / "in.mp4"
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-progress", "pipe:1", "-i", str(missing), "-f", "null", "-"]
    with caplog.at_level(logging.INFO), pytest.raises(FFmpegError) as raised:
        for _ in run_ffmpeg(cmd, duration=1, stderr_path=tmp_path / "ffmpeg.log"):
            pass
    (record,) = _failures(caplog)
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert message.startswith(str(raised.value))
    # The command is copy-pasteable: the path with a space comes quoted.
    assert f"\ncommand: ffmpeg -nostdin -v error -progress pipe:1 -i '{missing}' -f null -\n" in message
    assert message.endswith(raised.value.stderr_tail.rstrip()) and "No such file or directory" in message


def test_a_limit_that_ends_a_pass_is_logged_with_its_cause(tmp_path, caplog):
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-progress", "pipe:1", "-f", "lavfi",
           "-i", "testsrc2=size=1920x1080:rate=30:duration=5", "-c:v", "libx264", "-f", "null", "-"]
    with caplog.at_level(logging.INFO), pytest.raises(FFmpegError):
        for _ in run_ffmpeg(cmd, duration=5, stderr_path=tmp_path / "log", limits=Limits(memory_bytes=300 << 20)):
            pass
    (record,) = _failures(caplog)
    assert "more memory than allowed" in record.getMessage() and "command: ffmpeg " in record.getMessage()


def test_a_pass_that_succeeds_logs_nothing(tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=duration=0.2", "-f", "null", "-"],
            stderr_path=tmp_path / "log")
    assert not _failures(caplog)
