"""Typed errors raised by the ffmpeg package; their messages are meant for people."""


class ProbeError(Exception):
    """The file cannot be transcoded; ``str(error)`` says why in plain words."""


class FFmpegError(Exception):
    """ffmpeg exited with a non-zero status."""

    # The first error is usually the cause; later lines are consequences ("Conversion failed!").
    _GENERIC = (
        "Conversion failed", "Error while ", "Error initializing", "Error reinitializing",
        "Failed to inject frame", "Exiting normally",
    )

    def __init__(self, returncode: int, stderr_tail: str, *, cause: str | None = None):
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        self._cause = cause
        super().__init__(f"ffmpeg failed (exit {returncode}): {self.cause}".rstrip(": "))

    @property
    def cause(self) -> str:
        """The stderr line that best says what went wrong (or what a limit stopped)."""
        if self._cause:
            return self._cause
        lines = [line.strip() for line in self.stderr_tail.splitlines() if line.strip()]
        specific = [line for line in lines if not line.startswith(self._GENERIC)]
        return (specific or lines or [""])[0][:300]


class FFmpegCancelled(Exception):
    """ffmpeg was stopped because the caller asked to cancel."""
