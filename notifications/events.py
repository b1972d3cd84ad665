"""The websocket events: names and fields defined once, for everything that sends or tests them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone


class EventType(models.TextChoices):
    TRANSCODE_PROGRESS = "transcode_progress"
    TRANSCODE_COMPLETE = "transcode_complete"
    TRANSCODE_FAILED = "transcode_failed"
    SUBTITLE_READY = "subtitle_ready"
    RENDITION_READY = "rendition_ready"
    SYSTEM_MESSAGE = "system_message"


class Level(models.TextChoices):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


def _now() -> str:
    return timezone.now().isoformat()


@dataclass(frozen=True, kw_only=True)
class Event:
    type: ClassVar[str]
    # Stored as a Notification for each recipient (progress ticks are not).
    stored: ClassVar[bool] = True
    timestamp: str = field(default_factory=_now)

    def to_message(self) -> dict[str, Any]:
        return {"type": self.type, **dataclasses.asdict(self)}


@dataclass(frozen=True, kw_only=True)
class TranscodeProgress(Event):
    type: ClassVar[str] = EventType.TRANSCODE_PROGRESS
    stored: ClassVar[bool] = False
    video_id: str
    status: str
    stage: str
    progress: float
    speed: float | None = None
    eta_seconds: float | None = None
    # Whether a rendition can be played already (the first one while the ladder encodes), and in
    # a snapshot which ones exist (ticks leave it out: None).
    playable: bool = False
    renditions: list[str] | None = None


@dataclass(frozen=True, kw_only=True)
class TranscodeComplete(Event):
    type: ClassVar[str] = EventType.TRANSCODE_COMPLETE
    video_id: str
    title: str
    renditions: list[str]
    duration: float | None


@dataclass(frozen=True, kw_only=True)
class TranscodeFailed(Event):
    type: ClassVar[str] = EventType.TRANSCODE_FAILED
    video_id: str
    title: str
    error: str


@dataclass(frozen=True, kw_only=True)
class RenditionReady(Event):
    """One rendition can be played (api.video sends one per quality): the first, then the ladder's."""

    type: ClassVar[str] = EventType.RENDITION_READY
    stored: ClassVar[bool] = False  # live news for the page that waits; transcode_complete is the record
    video_id: str
    rendition: str
    width: int
    height: int
    playable_at: str
    first: bool = False  # the first rendition (a remux or a fast rung), before the ladder


@dataclass(frozen=True, kw_only=True)
class SubtitleReady(Event):
    type: ClassVar[str] = EventType.SUBTITLE_READY
    video_id: str
    subtitle_id: int
    language: str


@dataclass(frozen=True, kw_only=True)
class SystemMessage(Event):
    type: ClassVar[str] = EventType.SYSTEM_MESSAGE
    message: str
    level: str = Level.INFO

    def __post_init__(self):
        if self.level not in Level.values:
            raise ValueError(f"level must be one of {', '.join(Level.values)}")


EVENT_CLASSES: dict[str, type[Event]] = {
    cls.type: cls for cls in (TranscodeProgress, TranscodeComplete, TranscodeFailed, RenditionReady, SubtitleReady, SystemMessage)
}


def event_from_message(message: dict[str, Any]) -> Event:
    """Rebuild an event from its wire form; unknown types and unknown or missing fields are errors."""
    data = dict(message)
    cls = EVENT_CLASSES.get(data.pop("type", None))
    if cls is None:
        raise ValueError(f"unknown event type: {message.get('type')!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown fields for {cls.type}: {', '.join(sorted(unknown))}")
    try:
        return cls(**data)
    except TypeError as exc:
        raise ValueError(f"bad fields for {cls.type}: {exc}") from None
