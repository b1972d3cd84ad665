"""A transcript as WebVTT: long recognised segments cut into cues of two short lines a viewer can read."""

from __future__ import annotations

from ..convert.cues import Cue, vtt_write
from ..convert.cuetext import escape
from .engine import SpeechCue, Transcript

LINE_CHARS = 42  # the usual caption line (BBC and Netflix guidelines)
CUE_LINES = 2


def cue_split(cue: SpeechCue, *, line_chars: int = LINE_CHARS) -> list[SpeechCue]:
    """Cut a cue into cues of at most two lines of ``line_chars`` (whole words), sharing its time by their length.

    The lines of each piece are joined by a newline; a word longer than a line gets a line of its own.
    """
    lines: list[str] = []
    for word in cue.text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= line_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    texts = ["\n".join(lines[index:index + CUE_LINES]) for index in range(0, len(lines), CUE_LINES)]
    if len(texts) <= 1:
        return [SpeechCue(cue.start, cue.end, texts[0])] if texts else []
    total = sum(len(text) for text in texts)
    span = cue.end - cue.start
    pieces, start, done = [], cue.start, 0
    for index, text in enumerate(texts):
        done += len(text)
        end = cue.end if index == len(texts) - 1 else round(cue.start + span * done / total, 3)
        pieces.append(SpeechCue(start=start, end=end, text=text))
        start = end
    return pieces


def transcript_vtt(transcript: Transcript) -> str:
    """The transcript's cues as WebVTT, each cut to caption length."""
    return vtt_write([
        Cue(start=round(piece.start * 1000), end=round(piece.end * 1000), text=escape(piece.text))
        for cue in transcript.cues
        for piece in cue_split(cue)
    ])
