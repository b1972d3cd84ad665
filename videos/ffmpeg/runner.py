"""The one module that runs ffprobe and ffmpeg."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import queue
import resource
import shlex
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from .errors import FFmpegCancelled, FFmpegError, ProbeError
from .inputs import input_args

FFPROBE = "ffprobe"
PROBE_TIMEOUT = 60
CANCEL_GRACE = 1.5  # seconds between SIGTERM and SIGKILL; cancel must finish within 2 s
STDERR_TAIL = 4000

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    percent: float
    out_time: float  # seconds of output written
    speed: float | None  # multiple of real time
    eta_seconds: float | None
    done: bool = False


@dataclass(frozen=True)
class Limits:
    """Ceilings for one ffmpeg or ffprobe child (rlimits), so a hostile file ends its own attempt.

    memory_bytes bounds the address space (RLIMIT_AS), cpu_seconds the CPU time of all its
    threads (RLIMIT_CPU, then SIGXCPU); 0 means no ceiling.
    """

    memory_bytes: int = 0
    cpu_seconds: int = 0


PROBE_LIMITS = Limits(memory_bytes=2 << 30, cpu_seconds=PROBE_TIMEOUT)


def _child_setup(limits: Limits):
    def setup() -> None:
        # A hard time limit SIGKILLs the Celery child; without this ffmpeg would run on as an orphan.
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass
        if limits.memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        if limits.cpu_seconds:
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))

    return setup


def run_ffprobe(path: str | os.PathLike, *, limits: Limits = PROBE_LIMITS) -> dict:
    """Return ffprobe's JSON description of a local file read through the demuxer allowlist."""
    cmd = [
        FFPROBE, "-v", "error", "-print_format", "json",
        "-show_format", "-show_streams", *input_args(path),
    ]
    try:
        result = subprocess.run(
            cmd, capture_output=True, timeout=PROBE_TIMEOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_child_setup(limits),
        )
    except subprocess.TimeoutExpired:
        raise ProbeError("The file took too long to read; it may be damaged.") from None
    if result.returncode != 0:
        stderr = result.stderr.decode(errors="replace")
        if "not on whitelist" in stderr:
            from .probe import NOT_ACCEPTED

            raise ProbeError(NOT_ACCEPTED)
        if result.returncode < 0:
            raise ProbeError(f"Reading this file needed more {_resource_of(-result.returncode)} than allowed; "
                             "it may be damaged or built to exhaust the server.")
        reason = stderr.strip().splitlines()
        detail = reason[-1].split(": ", 1)[-1] if reason else "unreadable"
        raise ProbeError(f"This file is not a video or it is damaged ({detail}).")
    try:
        return json.loads(result.stdout or b"{}")
    except ValueError:
        raise ProbeError("This file could not be read as a video.") from None


def parse_progress(block: dict[str, str], duration: float) -> Progress:
    """Turn one ``-progress`` key=value block into a Progress."""
    out_time = 0.0
    raw = block.get("out_time_us") or block.get("out_time_ms")  # both are µs in ffmpeg 5
    if raw and raw != "N/A":
        try:
            out_time = max(0.0, int(raw) / 1_000_000)
        except ValueError:
            pass
    speed = None
    raw_speed = (block.get("speed") or "").strip().rstrip("x")
    if raw_speed and raw_speed != "N/A":
        try:
            speed = float(raw_speed) or None
        except ValueError:
            pass
    done = block.get("progress") == "end"
    percent = 100.0 if done else min(99.9, 100.0 * out_time / duration) if duration > 0 else 0.0
    eta = None
    if done:
        eta = 0.0
    elif speed:
        eta = max(0.0, (duration - out_time) / speed)
    return Progress(round(percent, 1), round(out_time, 3), speed, None if eta is None else round(eta, 1), done)


def run_ffmpeg(
    cmd: Sequence[str],
    *,
    duration: float,
    stderr_path: str | os.PathLike,
    should_cancel: Callable[[], bool] | None = None,
    poll: float = 0.5,
    limits: Limits = Limits(),
) -> Iterator[Progress]:
    """Run ffmpeg, yielding Progress for each ``-progress`` block.

    Raises FFmpegCancelled when should_cancel() turns true (checked every ``poll`` seconds)
    and FFmpegError with the stderr tail on a non-zero exit. Closing the iterator early
    (an exception in the caller, a soft time limit) stops ffmpeg too.
    """
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            list(cmd), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
            preexec_fn=_child_setup(limits),
        )
    lines: queue.Queue[bytes | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
    reader.start()
    block: dict[str, str] = {}
    try:
        finished = False
        while not finished:
            if should_cancel is not None and should_cancel():
                _stop(process)
                raise FFmpegCancelled("cancelled")
            deadline = time.monotonic() + poll
            while True:
                try:
                    line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if line is None:
                    finished = True
                    break
                key, _, value = line.decode(errors="replace").strip().partition("=")
                if not key:
                    continue
                block[key] = value
                if key == "progress":
                    yield parse_progress(block, duration)
                    block = {}
        returncode, cpu_used = _wait(process)
        if returncode != 0 and limits.cpu_seconds and cpu_used >= limits.cpu_seconds:
            # ffmpeg catches SIGXCPU and exits 255 like any error: the CPU it used tells.
            raise _logged(cmd, FFmpegError(returncode, _tail(stderr_path), cause="it needed more CPU time than allowed"))
        if returncode != 0:
            tail = _tail(stderr_path)
            if any(sign in tail for sign in ("Cannot allocate memory", "Out of memory", "malloc of size", "failed to allocate")):
                raise _logged(cmd, FFmpegError(returncode, tail, cause="it needed more memory than allowed"))
            raise _logged(cmd, FFmpegError(returncode, tail))
    finally:
        if process.poll() is None:
            _stop(process)
        reader.join(timeout=1)
        if process.stdout:
            process.stdout.close()


def run(cmd: Sequence[str], *, stderr_path: str | os.PathLike) -> None:
    """Run a command to completion, raising FFmpegError on failure (benchmarks, tests)."""
    for _ in run_ffmpeg(cmd, duration=0, stderr_path=stderr_path):
        pass


def generate_clip(
    path: str | os.PathLike,
    *,
    seconds: float = 2,
    size: str = "320x240",
    rate: int = 30,
    audio: bool = True,
    crf: int = 23,
    preset: str = "veryfast",
) -> None:
    """Write a test-pattern clip with a tone (demo videos, tests, benchmarks)."""
    cmd = [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}",
    ]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:beep_factor=4:sample_rate=48000:duration={seconds}"]
    cmd += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]
    if audio:
        cmd += ["-c:a", "aac", "-b:a", "128k"]
    subprocess.run([*cmd, "-movflags", "+faststart", os.fspath(path)], check=True, stdin=subprocess.DEVNULL)


def _logged(cmd: Sequence[str], error: FFmpegError) -> FFmpegError:
    """Log a failed pass once, where it fails, with what it takes to reproduce it: command and stderr tail."""
    logger.warning("%s\ncommand: %s\nstderr tail:\n%s", error, shlex.join(cmd), error.stderr_tail.rstrip())
    return error


def _wait(process: subprocess.Popen) -> tuple[int, float]:
    """Reap the process; return its exit status (as Popen gives it) and the CPU seconds it used."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime


def _resource_of(signum: int) -> str:
    return "CPU time" if signum == signal.SIGXCPU else "memory or time"


def _pump(stream, lines: queue.Queue) -> None:
    for line in iter(stream.readline, b""):
        lines.put(line)
    lines.put(None)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=CANCEL_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path: str | os.PathLike) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - STDERR_TAIL))
            return handle.read().decode(errors="replace")
    except OSError:
        return ""
