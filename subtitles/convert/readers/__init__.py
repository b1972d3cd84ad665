"""One reader per format: text in, cues (WebVTT markup, milliseconds) out.

Kept libraries read where they read a format as well as we need: pycaption reads SCC (CEA-608's
state machine, with its regression files from broadcasts), pysubs2 reads ASS/SSA. The rest stay
ours, measured against the corpus (tests/corpus.py) and the hostile files: pycaption's DFXP and
SAMI readers took over 30 s on a 22,000-cue TTML, 100,000 nested divs and 20,000 SAMI classes
(html.parser and BeautifulSoup), and read 2 of 3 corpus TTML files and 19 of 25 SRT files as we
do; pysubs2's read 1 of 3 TTML, 0 of 1 SAMI, 22 of 25 SRT and 2 of 3 WebVTT files as we do, and
take broken SRT, WebVTT and MicroDVD silently where we name the line. pysubs2 reads our MPL2 file
the same, but skips malformed lines without a word and takes no spaces inside brackets and no open
end ('[10][]'); its TMP ends lines otherwise. Neither reads LRC or SubViewer (SBV, SubViewer 2).
"""

from functools import partial

from .broadcast import scc_read
from .framed import lrc_read, microdvd_read, mpl2_read, tmp_read
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
    "scc": scc_read,
    "lrc": lrc_read,
}
