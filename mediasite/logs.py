"""Logging of every process (web, worker, beat): JSON lines or text, each record with its context.

The context is what a line belongs to: the request id (set by mediasite.middleware.request_id), the Celery
task id (set around each task by mediasite.celery) and the video id where there is one. It lives
in context variables, so code logs as usual and never passes ids around. A thread does not
inherit them: the upload pool and the heartbeat of an attempt log without them.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from typing import Iterator

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id: ContextVar[str | None] = ContextVar("task_id", default=None)
video_id: ContextVar[str | None] = ContextVar("video_id", default=None)

CONTEXT = {"request_id": request_id, "task_id": task_id, "video_id": video_id}


class ContextFilter(logging.Filter):
    """Copy the context variables that are set onto each record (unset ones stay out of the line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in CONTEXT.items():
            value = var.get()
            if value is not None and getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


class TextFormatter(logging.Formatter):
    """The format people read (`make run`), with the context as key=value before the message."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        pairs = [f"{name}={getattr(record, name)}" for name in CONTEXT if getattr(record, name, None)]
        record.context = f" [{' '.join(pairs)}]" if pairs else ""
        return super().formatMessage(record)


@contextlib.contextmanager
def bound(**values: str | None) -> Iterator[None]:
    """Set context variables (request_id, task_id, video_id) for the block, then restore them."""
    tokens = [(CONTEXT[name], CONTEXT[name].set(None if value is None else str(value))) for name, value in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING dict of settings: one console handler, ``json`` lines or ``text``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                # Anything passed as extra= (an ffmpeg command, a stderr tail) becomes a field too.
                "fmt": ["levelname", "name", "message"],
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",
                "json_ensure_ascii": False,
            },
            "text": {
                "()": TextFormatter,
                "fmt": "%(asctime)s %(levelname)s %(name)s%(context)s %(message)s",
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["context"]},
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's own console handler (DEBUG) would print its lines a second time, unformatted.
        "loggers": {"django": {"handlers": [], "level": "INFO"}, "django.db.backends": {"level": "WARNING"}},
    }
