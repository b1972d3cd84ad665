"""The one error the converter raises: a message fit to show the uploader."""


class SubtitleError(ValueError):
    """A subtitle file (or language tag) that cannot be accepted, with the reason and where."""

    def __init__(self, message: str, *, code: str = "invalid", line: int | None = None):
        self.code = code
        self.line = line
        self.message = f"Line {line}: {message}" if line is not None else message[:1].upper() + message[1:]
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
