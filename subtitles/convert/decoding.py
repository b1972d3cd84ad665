"""Bytes to text: BOMs, UTF-8, UTF-16 and legacy encodings, and the binary files that are none of them."""

import codecs
import re
from dataclasses import dataclass

from charset_normalizer.cd import coherence_ratio
from charset_normalizer.md import mess_ratio

from .errors import SubtitleError, gettext_noop

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Legacy encodings that subtitle files are actually written in, most common first: the order
# breaks ties, because a short text often decodes cleanly in several of them.
LEGACY_ENCODINGS = (
    "cp1252", "gb18030", "big5", "cp932", "cp1251", "cp1250", "cp949", "cp1253", "cp1254",
    "cp1255", "cp1256", "cp1257", "cp1258", "cp874", "koi8_r", "euc_jp",
)

# Mess ratios closer than this are a tie: the language model (coherence) decides instead.
_MESS_TIE = 0.1
# Above this mess ratio, no decoding reads like text.
_MESS_LIMIT = 0.4
_SAMPLE_BYTES = 64 * 1024
# Latin-1 letters less the Icelandic ones (ð þ ý), which are what cp1254/cp1250 text looks like read as cp1252.
_WESTERN_LETTERS = frozenset(
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜßàáâãäåæçèéêëìíîïñòóôõöøùúûüÿŒœŠšŸŽž"
)
_WESTERN_PUNCTUATION = frozenset("‘’‚“”„–—…•€«»¡¿°ºª©®™·\xa0")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")

# What a file is, by its first bytes: the refusal says so.
_MAGIC = (
    (b"\x89PNG", gettext_noop("This is a PNG image, not a subtitle file.")),
    (b"\xff\xd8\xff", gettext_noop("This is a JPEG image, not a subtitle file.")),
    (b"GIF8", gettext_noop("This is a GIF image, not a subtitle file.")),
    (b"PK\x03\x04", gettext_noop("This is a ZIP archive, not a subtitle file.")),
    (b"%PDF", gettext_noop("This is a PDF document, not a subtitle file.")),
    (b"\x1f\x8b", gettext_noop("This is a gzip archive, not a subtitle file.")),
    (b"Rar!", gettext_noop("This is a RAR archive, not a subtitle file.")),
    (b"7z\xbc\xaf", gettext_noop("This is a 7-Zip archive, not a subtitle file.")),
    (b"\x1a\x45\xdf\xa3", gettext_noop("This is a Matroska/WebM video, not a subtitle file.")),
    (b"RIFF", gettext_noop("This is a RIFF (AVI/WAV) file, not a subtitle file.")),
    (b"OggS", gettext_noop("This is an Ogg file, not a subtitle file.")),
    (b"ID3", gettext_noop("This is an MP3 file, not a subtitle file.")),
    (b"\x7fELF", gettext_noop("This is a program, not a subtitle file.")),
    (b"\x00\x00\x01\xba", gettext_noop("This is an MPEG video, not a subtitle file.")),
)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def text_decode(data: bytes) -> Decoded:
    """Decode subtitle bytes, detecting the encoding; raise SubtitleError for binary data."""
    _reject_known_binary(data)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(_strict(data[len(bom):], encoding, bom=True), encoding)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _checked(_strict(data, utf16, bom=False), utf16)
    if b"\x00" in data:
        raise SubtitleError(gettext_noop("The file contains binary data (NUL bytes), not subtitle text."), code="binary")
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    return _checked(*_legacy_decode(data))


def _reject_known_binary(data: bytes) -> None:
    for magic, refusal in _MAGIC:
        if data.startswith(magic):
            raise SubtitleError(refusal, code="binary")
    if data[4:8] == b"ftyp":
        raise SubtitleError(gettext_noop("This is an MP4/QuickTime video, not a subtitle file."), code="binary")


def _strict(data: bytes, encoding: str, *, bom: bool) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if bom:
            refusal = gettext_noop(
                "The file is marked as %(encoding)s by its byte-order mark but is not valid %(encoding)s "
                "(bad bytes at offset %(offset)s)."
            )
        else:
            refusal = gettext_noop(
                "The file is marked as %(encoding)s by its byte pattern but is not valid %(encoding)s "
                "(bad bytes at offset %(offset)s)."
            )
        name = encoding.removesuffix("-sig").upper()
        raise SubtitleError(refusal, code="encoding", params={"encoding": name, "offset": exc.start}) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as a NUL in every other byte of its (mostly ASCII) text."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _legacy_decode(data: bytes) -> tuple[str, str]:
    # Timestamps and numbers are ASCII in every candidate; only lines with other bytes tell them apart.
    lines, size = [], 0
    for match in re.finditer(rb"[^\r\n]+", data):  # lazily: a 5 MiB file has a million lines, and we need 64 KiB
        if not match.group().isascii():
            lines.append(match.group())
            size += len(lines[-1]) + 1
            if size > _SAMPLE_BYTES:
                break
    sample = b"\n".join(lines)[:_SAMPLE_BYTES]
    sample = sample[: sample.rfind(b"\n")] if len(sample) == _SAMPLE_BYTES else sample
    if _reads_as_western(sample):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    ranked = []
    for order, encoding in enumerate(LEGACY_ENCODINGS):
        try:
            decoded = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        mess = mess_ratio(decoded, maximum_threshold=1.0)
        if mess > _MESS_LIMIT:
            continue
        ranked.append((mess, encoding, order, decoded))
    if ranked:
        least_mess = min(mess for mess, *_ in ranked)
        ties = [entry for entry in ranked if entry[0] - least_mess < _MESS_TIE]
        ranked = sorted(ties, key=lambda entry: (-_coherence(entry[3]), entry[2])) + [
            entry for entry in sorted(ranked, key=lambda entry: (entry[0], entry[2])) if entry not in ties
        ]
    for _mess, encoding, _order, _decoded in ranked:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise SubtitleError(
        gettext_noop(
            "The file is neither UTF-8 nor text in a known legacy encoding; it looks like binary data. "
            "Save it as UTF-8 and upload it again."
        ),
        code="binary",
    )


def _reads_as_western(sample: bytes) -> bool:
    """True when the cp1252 reading looks like a Western European language.

    Short texts decode "cleanly" in many single-byte encodings and the mess ratio cannot tell
    French from Lithuanian; cp1252 is by far the most common legacy subtitle encoding, so it
    wins whenever its reading uses only Western letters and typographic punctuation, with
    accented letters a minority (a Cyrillic or Greek text read as cp1252 is all accents).
    """
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    letters = accented = 0
    for char in text:
        if char.isascii():
            letters += char.isalpha()
        elif char in _WESTERN_LETTERS:
            letters += 1
            accented += 1
        elif char not in _WESTERN_PUNCTUATION:
            return False
    return letters > 0 and accented / letters < 0.3


def _coherence(text: str) -> float:
    matches = coherence_ratio(text)
    return matches[0][1] if matches else 0.0


def _checked(text: str, encoding: str) -> Decoded:
    text = text.lstrip("\ufeff").rstrip("\x1a")  # stray BOMs; the DOS end-of-file marker
    controls = len(_CONTROLS.findall(text))
    if controls and controls > max(2, len(text) // 200):
        raise SubtitleError(
            gettext_noop("The file contains binary data (control characters), not subtitle text."), code="binary"
        )
    return Decoded(text=_CONTROLS.sub("", text) if controls else text, encoding=encoding)
