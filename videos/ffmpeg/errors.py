"""Typed errors raised by the ffmpeg package; their messages are meant for people."""


class ProbeError(Exception):
    """The file cannot be transcoded; ``str(error)`` says why in plain words."""


class FFmpegError(Exception):
    """ffmpeg exited with a non-zero status."""

    def __init__(self, returncode: int, stderr_tail: str):
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        last = next((line for line in reversed(stderr_tail.splitlines()) if line.strip()), "")
        super().__init__(f"ffmpeg failed (exit {returncode}): {last}".rstrip(": "))


class FFmpegCancelled(Exception):
    """ffmpeg was stopped because the caller asked to cancel."""
