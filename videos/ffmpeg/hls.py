"""HLS playlists: tidy what ffmpeg's hls muxer wrote, measure it, and build master playlists."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .commands import STORYBOARD_TILES
from .ladder import Rung

AUDIO_GROUP = "audio"
SUBTITLE_GROUP = "subs"
AUDIO_DIR = "audio"
AAC_LC = "mp4a.40.2"
_MAP_RE = re.compile(r'#EXT-X-MAP:URI="([^"]+)"')


@dataclass(frozen=True)
class Variant:
    """One video rendition as the master playlist lists it."""

    name: str
    uri: str
    width: int
    height: int
    bandwidth: int  # peak bits per second, audio included
    average_bandwidth: int
    codecs: str  # video codec only, e.g. "avc1.64001f"
    frame_rate: float | None = None


@dataclass(frozen=True)
class AudioRendition:
    uri: str
    codecs: str = AAC_LC
    bandwidth: int = 0
    average_bandwidth: int = 0
    channels: int = 2


@dataclass(frozen=True)
class SubtitleTrack:
    language: str
    name: str
    uri: str
    default: bool = False


@dataclass(frozen=True)
class HlsOutput:
    variants: list[Variant]
    audio: AudioRendition | None
    files: list[Path] = field(default_factory=list)


def master_playlist(
    variants: Sequence[Variant],
    *,
    audio: AudioRendition | None = None,
    subtitles: Sequence[SubtitleTrack] = (),
) -> str:
    """Return master playlist text; URIs are written exactly as given."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="Audio",DEFAULT=YES,'
            f'AUTOSELECT=YES,CHANNELS="{audio.channels}",URI="{audio.uri}"'
        )
    for track in subtitles:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{SUBTITLE_GROUP}",'
            f'NAME="{_quoted(track.name)}",LANGUAGE="{_quoted(track.language)}",'
            f'DEFAULT={"YES" if track.default else "NO"},AUTOSELECT=YES,URI="{track.uri}"'
        )
    for variant in variants:
        codecs = variant.codecs + (f",{audio.codecs}" if audio else "")
        attributes = [
            f"BANDWIDTH={variant.bandwidth + (audio.bandwidth if audio else 0)}",
            f"AVERAGE-BANDWIDTH={variant.average_bandwidth + (audio.average_bandwidth if audio else 0)}",
            f"RESOLUTION={variant.width}x{variant.height}",
        ]
        if variant.frame_rate:
            attributes.append(f"FRAME-RATE={variant.frame_rate:.3f}")
        attributes.append(f'CODECS="{codecs}"')
        if audio:
            attributes.append(f'AUDIO="{AUDIO_GROUP}"')
        if subtitles:
            attributes.append(f'SUBTITLES="{SUBTITLE_GROUP}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), variant.uri]
    return "\n".join(lines) + "\n"


def make_output_dirs(out_dir: str | os.PathLike, rungs: Sequence[Rung] = ()) -> None:
    """Create the folders ffmpeg writes into (the image muxer, and a single-variant hls muxer, don't)."""
    for name in ("hls", "thumbs", STORYBOARD_TILES, *(f"hls/{rung.name}" for rung in rungs)):
        (Path(out_dir) / name).mkdir(parents=True, exist_ok=True)


def finalize_hls(out_dir: str | os.PathLike, ladder: Sequence[Rung], *, has_audio: bool) -> HlsOutput:
    """Rename init segments to init.mp4, measure bandwidths and rewrite master.m3u8.

    ffmpeg 5.1 names init segments ``init_<n>.mp4`` when it writes several variants, counts
    a nominal BANDWIDTH (bitrate + 10%) and omits CODECS for AV1; we write what players need.
    """
    hls_dir = Path(out_dir) / "hls"
    variants = []
    for rung in ladder:
        peak, average, init = _tidy_variant(hls_dir / rung.name)
        variants.append(
            Variant(
                name=rung.name,
                uri=f"{rung.name}/index.m3u8",
                width=rung.width,
                height=rung.height,
                bandwidth=peak,
                average_bandwidth=average,
                codecs=codec_string(init.read_bytes()),
                frame_rate=rung.fps,
            )
        )
    audio = None
    if has_audio:
        peak, average, _ = _tidy_variant(hls_dir / AUDIO_DIR)
        audio = AudioRendition(uri=f"{AUDIO_DIR}/index.m3u8", bandwidth=peak, average_bandwidth=average)
    (hls_dir / "master.m3u8").write_text(master_playlist(variants, audio=audio))
    files = sorted(path for path in hls_dir.rglob("*") if path.is_file())
    return HlsOutput(variants=variants, audio=audio, files=files)


def codec_string(init_segment: bytes) -> str:
    """Return the RFC 6381 codec string of the video or audio track in an fMP4 init segment."""
    at = init_segment.find(b"avcC")
    if at >= 0:
        profile, compat, level = init_segment[at + 5 : at + 8]
        return f"avc1.{profile:02x}{compat:02x}{level:02x}"
    at = init_segment.find(b"av1C")
    if at >= 0:
        second, third = init_segment[at + 5], init_segment[at + 6]
        profile, level = second >> 5, second & 0x1F
        tier = "H" if third & 0x80 else "M"
        depth = 12 if third & 0x20 else (10 if third & 0x40 else 8)
        return f"av01.{profile}.{level:02d}{tier}.{depth:02d}"
    if init_segment.find(b"mp4a") >= 0:
        return AAC_LC
    raise ValueError("no known codec in the init segment")


def rewrite_playlist(text: str, url_for) -> str:
    """Return playlist text with every URI (segments, init, media playlists) passed through url_for."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            out.append(url_for(stripped))
        elif 'URI="' in stripped:
            out.append(re.sub(r'URI="([^"]+)"', lambda m: f'URI="{url_for(m.group(1))}"', line))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def playlist_segments(text: str) -> list[tuple[str, float]]:
    """A media playlist's segments in order: (URI, EXTINF duration in seconds)."""
    found, seconds = [], None
    for line in text.splitlines():
        if line.startswith("#EXTINF:"):
            seconds = float(line[8:].split(",")[0])
        elif line and not line.startswith("#") and seconds is not None:
            found.append((line.strip(), seconds))
            seconds = None
    return found


def _tidy_variant(directory: Path) -> tuple[int, int, Path]:
    playlist = directory / "index.m3u8"
    text = playlist.read_text()
    match = _MAP_RE.search(text)
    init = directory / "init.mp4"
    if match and match.group(1) != "init.mp4":
        (directory / match.group(1)).replace(init)
        text = text.replace(f'URI="{match.group(1)}"', 'URI="init.mp4"')
        playlist.write_text(text)
    peak = total_bits = 0
    total_seconds = 0.0
    for name, duration in playlist_segments(text):
        if not duration:
            continue
        bits = (directory / name).stat().st_size * 8
        peak = max(peak, round(bits / max(duration, 0.5)))
        total_bits += bits
        total_seconds += duration
    average = round(total_bits / total_seconds) if total_seconds else 0
    return peak, average, init


def _quoted(value: str) -> str:
    # Quoted-string attributes may not contain double quotes or line breaks (RFC 8216 4.2).
    return value.replace('"', "'").replace("\n", " ").replace("\r", " ")
