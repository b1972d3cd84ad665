"""Plan the rendition ladder for one source from its probe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from .probe import ProbeResult

MAX_FPS = 60.0
DEFAULT_FPS = 30.0
MIN_VIDEO_BITRATE = 150_000


@dataclass(frozen=True)
class RungSpec:
    """One configured rung: its short side in pixels and its H.264 bitrate cap at 16:9, ≤30 fps."""

    height: int
    bitrate: int


@dataclass(frozen=True)
class Rung:
    name: str  # the directory name under hls/, e.g. "720p" or "720p-av1"
    width: int
    height: int
    fps: float
    bitrate: int  # bits per second; the encoder's maxrate
    codec: str = "h264"  # "h264" or "av1"

    @property
    def bufsize(self) -> int:
        return self.bitrate * 2

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}"


DEFAULT_RUNGS: tuple[RungSpec, ...] = (
    RungSpec(1080, 5_000_000),
    RungSpec(720, 2_800_000),
    RungSpec(480, 1_400_000),
    RungSpec(360, 800_000),
)


def rung_specs(value: Iterable) -> tuple[RungSpec, ...]:
    """Accept RungSpecs, (height, bitrate) pairs, "height:bitrate" strings or dicts from settings."""
    specs = []
    for item in value:
        if isinstance(item, RungSpec):
            specs.append(item)
        elif isinstance(item, dict):
            specs.append(RungSpec(int(item["height"]), int(item["bitrate"])))
        elif isinstance(item, str):
            height, _, bitrate = item.partition(":")
            specs.append(RungSpec(int(height), int(bitrate)))
        else:
            height, bitrate = item
            specs.append(RungSpec(int(height), int(bitrate)))
    return tuple(sorted(specs, key=lambda spec: spec.height, reverse=True))


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _floor_even(value: int) -> int:
    return max(2, value - value % 2)


def output_fps(probe: ProbeResult) -> float:
    """The source rate capped at 60; unknown rates count as 30."""
    return min(probe.fps or DEFAULT_FPS, MAX_FPS)


def _size(probe: ProbeResult, short: int) -> tuple[int, int]:
    # Rungs are named by their short side so that a portrait 1080x1920 phone video gets a
    # "1080p" rung at 1080x1920, not a 608x1080 one.
    if probe.is_portrait:
        return short, _even(short * probe.height / probe.width)
    return _even(short * probe.width / probe.height), short


def _bitrate(spec: RungSpec, width: int, height: int, fps: float) -> int:
    reference = spec.height * 16 / 9 * spec.height
    scale = min(1.5, max(0.25, width * height / reference))
    if fps > 30.5:
        scale *= 1.5  # 50/60 fps needs more bits for the same look
    return max(MIN_VIDEO_BITRATE, int(round(spec.bitrate * scale, -3)))


def ladder_for(
    probe: ProbeResult, *, rungs: Sequence = DEFAULT_RUNGS, av1: bool = False
) -> list[Rung]:
    """Return the rungs to encode, tallest first; never taller than the source."""
    specs = rung_specs(rungs)
    fps = output_fps(probe)
    short = probe.short_side
    planned: list[Rung] = []
    for spec in specs:
        if spec.height > short:
            continue
        width, height = _size(probe, spec.height)
        planned.append(Rung(f"{spec.height}p", width, height, fps, _bitrate(spec, width, height, fps)))
    if not planned:
        # Smaller than the smallest rung: one rung at the source's own (even) size.
        smallest = specs[-1]
        width, height = _floor_even(probe.width), _floor_even(probe.height)
        planned.append(
            Rung(f"{min(width, height)}p", width, height, fps, _bitrate(smallest, width, height, fps))
        )
    if av1:
        planned += [
            Rung(f"{rung.name}-av1", rung.width, rung.height, rung.fps, int(rung.bitrate * 0.6), "av1")
            for rung in list(planned)
        ]
    return planned
