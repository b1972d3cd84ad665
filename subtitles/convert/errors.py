"""The one error the converter raises: a message fit to show the uploader, in English or translated."""

from collections.abc import Callable


def gettext_noop(message: str) -> str:
    """Mark a message for the django catalogue; makemessages knows this name, and the converter stays free of Django."""
    return message


_LINE = gettext_noop("Line %(line)s: %(message)s")


class SubtitleError(ValueError):
    """A subtitle file (or language tag) that cannot be accepted, with the reason and where.

    ``message`` is a marked template, ``params`` its %(name)s values: ``translated`` gives it in
    the page's language (subtitles.api passes Django's gettext), ``message`` in English.
    """

    def __init__(self, message: str, *, code: str = "invalid", line: int | None = None, params: dict | None = None):
        self.code = code
        self.line = line
        self.template = message
        self.params = params or {}
        self.message = self.translated(lambda text: text)
        super().__init__(self.message)

    def translated(self, gettext: Callable[[str], str]) -> str:
        message = gettext(self.template)
        if self.params:
            message = message % self.params
        if self.line is not None:
            return gettext(_LINE) % {"line": self.line, "message": message}
        return message[:1].upper() + message[1:]

    def __str__(self) -> str:
        return self.message
