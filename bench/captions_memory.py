#!/usr/bin/env python
"""Peak memory of captions from speech on long audio: the windows of subtitles.speech.transcribe
(engine.WINDOW_SECONDS at a time, samples mapped from their file) against the whole audio given to
faster-whisper at once (the samples read into memory), each in a fresh process, same speech.

    .venv/bin/python bench/captions_memory.py [--minutes 30] [--threads 1]

Prints each way's peak RSS (the process's ru_maxrss), wall and CPU seconds, cues, and the share of
the spoken words heard in order, and the ratio of the peaks.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the project, not bench/ (whose websockets.py would shadow the package)

from bench.captions import speech_samples  # noqa: E402
from subtitles.speech.recall import recall_in_order, words_of  # noqa: E402


def child(mode: str, samples_path: str, model_dir: str, threads: int) -> int:
    import numpy as np

    from subtitles import speech

    model = speech.model_load(model_dir, threads=threads)
    started = time.monotonic()
    if mode == "windows":
        transcript = speech.transcribe(model, speech.samples_read(samples_path))
        texts = [cue.text for cue in transcript.cues]
    else:  # the whole audio in memory, in one call, as before the windows
        samples = np.fromfile(samples_path, dtype="<f4")
        segments, _ = model.transcribe(samples, beam_size=5, vad_filter=True, condition_on_previous_text=False)
        texts = [" ".join(segment.text.split()) for segment in segments]
    print(json.dumps({"wall": time.monotonic() - started, "cues": len(texts), "text": " ".join(texts)}), flush=True)
    return 0


def measure(mode: str, samples: Path, model_dir: str, threads: int) -> dict:
    process = subprocess.Popen([sys.executable, __file__, "--child", mode, str(samples), model_dir, str(threads)],
                               stdout=subprocess.PIPE, text=True, cwd=ROOT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status:
        raise SystemExit(f"the {mode} run failed ({status})")
    return {**json.loads(output), "peak_mib": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], args.child[1], args.child[2], int(args.child[3]))

    with tempfile.TemporaryDirectory(prefix="mediasite-bench-captions-memory-") as tmp:
        scratch = Path(tmp)
        os.environ.update(DJANGO_SETTINGS_MODULE="mediasite.settings", DATABASE_URL=f"sqlite:///{scratch / 'b.db'}",
                          MEDIA_ROOT=str(scratch / "media"), LOG_LEVEL="WARNING")
        import django

        django.setup()
        from subtitles import speech

        model_dir = str(speech.default_model_dir())
        print(f"Making {args.minutes:g}+ min of espeak-ng speech…", flush=True)
        samples, text, duration = speech_samples(scratch, args.minutes * 60)
        expected = words_of(text)
        results = {}
        for mode in ("whole", "windows"):
            results[mode] = measure(mode, samples, model_dir, args.threads)
            results[mode]["recall"] = recall_in_order(expected, words_of(results[mode].pop("text")))
            print(f"{mode}: {results[mode]['peak_mib']:.0f} MiB peak", flush=True)

    print(f"\n{duration / 60:.1f} min of speech, tiny.en, {args.threads} thread(s); a fresh process each "
          "(the model's load is in both peaks):")
    print(f"  {'':<44}{'peak RSS':>10}{'wall s':>9}{'CPU s':>9}{'cues':>7}{'heard':>8}")
    labels = {"whole": "the whole audio at once, read into memory",
              "windows": f"{speech.engine.WINDOW_SECONDS / 60:g}-minute windows, samples mapped"}
    for mode, label in labels.items():
        r = results[mode]
        print(f"  {label:<44}{r['peak_mib']:>8.0f} M{r['wall']:>9.1f}{r['cpu']:>9.1f}{r['cues']:>7}{r['recall']:>8.0%}")
    print(f"  peak ratio windows / whole: {results['windows']['peak_mib'] / results['whole']['peak_mib']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
