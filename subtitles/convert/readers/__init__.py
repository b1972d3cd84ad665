"""One reader per format: text in, cues (WebVTT markup, milliseconds) out."""

from functools import partial

from .framed import microdvd_read, mpl2_read, tmp_read
from .markup import sami_read, ttml_read
from .substation import ass_read
from .timed import sbv_read, srt_read, vtt_read

READERS = {
    "srt": srt_read,
    "vtt": vtt_read,
    "ass": partial(ass_read, format_="ass"),
    "ssa": partial(ass_read, format_="ssa"),
    "sbv": sbv_read,
    "subviewer": sbv_read,
    "ttml": ttml_read,
    "sami": sami_read,
    "microdvd": microdvd_read,
    "mpl2": mpl2_read,
    "tmp": tmp_read,
}
