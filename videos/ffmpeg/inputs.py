"""What ffprobe and ffmpeg may read: the uploaded file, through an allowlist of container demuxers.

ffmpeg picks a demuxer from the content, and some demuxers open other inputs: an HLS or DASH
playlist, a concat script or an image-sequence pattern sent as "clip.mp4" would make the worker
read whatever it names (other users' sources, any media on its disk, URLs). So every probe and
every pass reads through these options: only the ``file`` protocol, only the demuxers below (none
of which opens another input), and the pass forces the demuxer that the probe found.
"""

from __future__ import annotations

import os

# ffmpeg's demuxer names; format_whitelist matches any name of a demuxer ("mov" is
# "mov,mp4,m4a,3gp,3g2,mj2", "matroska" is "matroska,webm").
ACCEPTED_DEMUXERS = {
    "mov": "MP4, MOV, M4V, 3GP",
    "matroska": "MKV, WebM",
    "avi": "AVI",
    "flv": "FLV",
    "mpegts": "MPEG-TS",
    "mpeg": "MPEG-PS",
    "ogg": "Ogg",
    "asf": "ASF, WMV",
    "gif": "animated GIF",
}
ACCEPTED_FORMATS_TEXT = ", ".join(ACCEPTED_DEMUXERS.values())


def accepted_demuxer(format_name: str) -> str | None:
    """The allowed demuxer that ffprobe's ``format_name`` names, or None."""
    names = format_name.split(",")
    return next((name for name in ACCEPTED_DEMUXERS if name in names), None)


def input_args(path: str | os.PathLike, *, demuxer: str | None = None) -> list[str]:
    """Options and ``-i`` for reading one local file, through the allowlist (and ``-f`` when probed)."""
    args = ["-protocol_whitelist", "file", "-format_whitelist", ",".join(ACCEPTED_DEMUXERS)]
    if demuxer is not None:
        if demuxer not in ACCEPTED_DEMUXERS:
            raise ValueError(f"demuxer {demuxer!r} is not accepted")
        args += ["-f", demuxer]
    # "file:" keeps a path from being read as another protocol's URL.
    return [*args, "-i", "file:" + os.path.abspath(os.fspath(path))]
