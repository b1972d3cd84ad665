#!/usr/bin/env python
"""Captions-from-speech benchmark: how fast the default model transcribes, and what it costs a transcode beside it.

    .venv/bin/python bench/captions.py [--speech-seconds 180] [--transcode-seconds 20] [--size 1920x1080]
                                       [--rounds 2] [--threads 0] [--model-dir DIR] [--target 0.10]

(1) espeak-ng reads a paragraph until there are a few minutes of speech; ffmpeg makes the 16 kHz
    mono samples (the command subtitles.captioning runs). The model is loaded once (timed on its
    own), then transcribes the samples: transcription seconds ÷ audio seconds, best of the rounds.
(2) the transcode's ffmpeg pass (bench/transcode.py's (b): the command the pipeline builds, on a
    generated 1080p clip), alone, and again with the captions work running beside it at nice 19
    the whole time (a process of its own, as the `captions` worker of scripts/run.sh is), best of
    the rounds each; the slowdown of the transcode must stay within --target (a share, 0.10 = 10 %).
Wall and CPU seconds (the transcode's: its ffmpeg process; the captions' their own process).
"""

import argparse
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from subtitles.speech.recall import recall_in_order, words_of  # noqa: E402 (after the path is set)

PARAGRAPH = (
    "Every morning the baker opens his small shop near the river. "
    "Children buy fresh bread and warm cookies before school. "
    "At noon the farmers bring apples, cheese and milk from the green hills. "
    "The old teacher reads the newspaper on a bench in the park. "
    "In the afternoon a light rain falls on the quiet streets of the town. "
    "People hurry home with umbrellas and talk about the weather. "
    "When the evening comes, families sit together for dinner. "
    "The lights go out one by one, and the town sleeps until the next morning. "
    "Then the baker wakes up early and starts the day again. "
)


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class Timer:
    """Wall seconds, and CPU seconds of this process (own) and of its reaped children (children)."""

    def __enter__(self):
        self.wall = time.monotonic()
        self.own, self.children = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.wall
        self.own = cpu_seconds(resource.RUSAGE_SELF) - self.own
        self.children = cpu_seconds(resource.RUSAGE_CHILDREN) - self.children


def speech_samples(scratch: Path, seconds: float) -> tuple[Path, str, float]:
    """Espeak's reading of the paragraph, repeated to last at least `seconds`, as 16 kHz mono f32 samples."""
    from videos.ffmpeg import probe
    from videos.ffmpeg.runner import run
    from videos.ffmpeg.speech import speech_audio_command

    wav, once = scratch / "paragraph.wav", scratch / "once.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "130", "-w", str(once), PARAGRAPH], check=True)
    once_seconds = float(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(once)],
        check=True, capture_output=True, text=True,
    ).stdout)
    text = PARAGRAPH * max(1, math.ceil(seconds / once_seconds))
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "130", "-w", str(wav), text], check=True)
    # Into a video container first, so the samples come from the very command captions use.
    clip = scratch / "speech.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=black:s=320x240:r=5", "-i", str(wav),
                    "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(clip)], check=True)
    samples = scratch / "speech.f32"
    info = probe(clip)
    run(speech_audio_command(info, clip, samples), stderr_path=scratch / "speech.log")
    return samples, text, info.duration


def worker(samples_path: str, model_dir: str, threads: int) -> int:
    """Transcribe the samples over and over until SIGTERM, like a busy captions worker; report what was done."""
    from subtitles import speech

    model = speech.model_load(model_dir, threads=threads)
    samples = speech.samples_read(samples_path)
    done = {"audio_seconds": 0.0, "passes": 0}

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    started, cpu_started = time.monotonic(), cpu_seconds(resource.RUSAGE_SELF)  # the load is not counted
    try:
        while True:
            segments, _ = model.transcribe(samples, beam_size=5, vad_filter=True, condition_on_previous_text=False)
            for segment in segments:
                done["partial"] = segment.end  # how far this pass got, should it be stopped
            done["audio_seconds"] += len(samples) / speech.SAMPLE_RATE
            done["passes"] += 1
            done["partial"] = 0.0
    finally:
        done["audio_seconds"] += done.pop("partial", 0.0)
        done["wall"] = time.monotonic() - started
        done["cpu"] = cpu_seconds(resource.RUSAGE_SELF) - cpu_started
        print(json.dumps(done), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speech-seconds", type=float, default=180, help="at least this much speech")
    parser.add_argument("--transcode-seconds", type=float, default=20)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each measurement; the fastest is shown")
    parser.add_argument("--threads", type=int, default=1, help="CTranslate2 CPU threads (CAPTIONS_THREADS, default 1; 0: its own choice)")
    parser.add_argument("--model-dir", default="", help="a faster-whisper model (CAPTIONS_MODEL_DIR); default tiny.en")
    parser.add_argument("--target", type=float, default=0.10, help="largest accepted slowdown of the transcode")
    parser.add_argument("--worker", nargs=3, metavar=("SAMPLES", "MODEL_DIR", "THREADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker[0], args.worker[1], int(args.worker[2]))

    with tempfile.TemporaryDirectory(prefix="mediasite-bench-captions-") as tmp:
        scratch = Path(tmp)
        os.environ.update(DJANGO_SETTINGS_MODULE="mediasite.settings", DATABASE_URL=f"sqlite:///{scratch / 'b.db'}",
                          MEDIA_ROOT=str(scratch / "media"), LOG_LEVEL="WARNING")
        import django

        django.setup()
        from subtitles import speech
        from videos import transcode
        from videos.ffmpeg import make_output_dirs, probe
        from videos.ffmpeg.runner import generate_clip, run

        model_dir = str(speech.model_dir_check(args.model_dir) if args.model_dir else speech.default_model_dir())
        print(f"Making {args.speech_seconds:g}+ s of espeak-ng speech…", flush=True)
        samples_path, text, duration = speech_samples(scratch, args.speech_seconds)
        samples = speech.samples_read(samples_path)
        audio_seconds = len(samples) / speech.SAMPLE_RATE

        # ---- (1) transcription speed --------------------------------------------------------
        with Timer() as load:
            model = speech.model_load(model_dir, threads=args.threads)
        transcriptions = []
        for index in range(args.rounds):
            with Timer() as timer:
                transcript = speech.transcribe(model, samples)
            transcriptions.append(timer)
            print(f"transcription round {index + 1}: {timer.wall:.1f} s wall, {timer.own:.1f} s CPU", flush=True)
        best = min(transcriptions, key=lambda timer: timer.wall)
        heard = words_of(" ".join(cue.text for cue in transcript.cues))
        recall = recall_in_order(words_of(text), heard)

        # ---- (2) a transcode alone and with the captions work beside it ---------------------
        source = scratch / "source.mp4"
        print(f"Generating a {args.size} clip of {args.transcode_seconds:g} s…", flush=True)
        generate_clip(source, seconds=args.transcode_seconds, size=args.size, rate=30, crf=18, preset="veryfast")
        info = probe(source)
        plan = transcode.transcode_plan(info)

        def transcode_pass(name: str) -> Timer:
            out = scratch / name
            make_output_dirs(out)
            with Timer() as timer:
                run(plan.command(source=source, out_dir=out), stderr_path=scratch / f"{name}.log")
            subprocess.run(["rm", "-rf", str(out)], check=True)
            return timer

        def beside(name: str) -> tuple[Timer, dict]:
            process = subprocess.Popen(
                ["nice", "-n", "19", sys.executable, __file__, "--worker", str(samples_path), model_dir,
                 str(args.threads)],
                stdout=subprocess.PIPE, text=True, cwd=ROOT,
            )
            if process.stdout.readline().strip() != "ready":
                raise SystemExit("the captions worker did not start")
            try:
                timer = transcode_pass(name)  # ffmpeg is reaped inside; the worker only after the timer
            finally:
                process.send_signal(signal.SIGTERM)
                report = json.loads(process.stdout.readline() or "{}")
                process.wait()
            return timer, report

        alone_runs, beside_runs = [], []
        load_before = os.getloadavg()[0]
        for index in range(args.rounds):
            # Alone first, then beside first (ABBA…): a load that drifts weighs on both alike.
            if index % 2 == 0:
                alone_runs.append(transcode_pass(f"alone-{index}"))
            beside_runs.append(beside(f"beside-{index}"))
            if index % 2 == 1:
                alone_runs.append(transcode_pass(f"alone-{index}"))
            print(f"transcode round {index + 1}: alone {alone_runs[-1].wall:.1f} s, "
                  f"beside captions {beside_runs[-1][0].wall:.1f} s", flush=True)
        alone = min(alone_runs, key=lambda timer: timer.wall)
        with_captions, report = min(beside_runs, key=lambda run_: run_[0].wall)

    print()
    print(f"Model: {model_dir} (threads {args.threads or 'CTranslate2 default'}, int8); "
          f"{os.cpu_count()} CPUs; best of {args.rounds}")
    print(f"Speech: {audio_seconds:.1f} s of espeak-ng ({transcript.speech_seconds:.1f} s kept by voice-activity "
          f"detection); {len(transcript.cues)} cues; {recall:.0%} of the words heard in order")
    print(f"{'':2}{'run':<52}{'wall s':>9}{'CPU s':>9}")
    print(f"{'':2}{'model load (once per worker process)':<52}{load.wall:>9.2f}{load.own:>9.2f}")
    print(f"{'':2}{'transcription of the speech':<52}{best.wall:>9.2f}{best.own:>9.2f}")
    print(f"{'':2}{'transcode pass alone':<52}{alone.wall:>9.2f}{alone.children:>9.2f}")
    print(f"{'':2}{'transcode pass, captions at nice 19 beside it':<52}{with_captions.wall:>9.2f}"
          f"{with_captions.children:>9.2f}")
    captions_cpu = report.get("cpu", 0.0)
    print(f"{'':2}{'  captions work meanwhile (its process)':<52}{report.get('wall', 0.0):>9.2f}{captions_cpu:>9.2f}"
          f"   {report.get('audio_seconds', 0.0):.0f} s of audio transcribed")
    print()
    rtf = best.wall / audio_seconds
    print(f"transcription ÷ audio duration: wall {rtf:.3f}  CPU {best.own / audio_seconds:.3f}   "
          f"({1 / rtf:.1f}x real time)")
    slowdown = with_captions.wall / alone.wall - 1
    print(f"transcode with captions beside ÷ alone: wall {with_captions.wall / alone.wall:.3f}  "
          f"CPU {with_captions.children / alone.children:.3f}   (target: slowed by ≤ {args.target:.0%})  "
          f"{'OK' if slowdown <= args.target else 'MISSED'}")
    print(f"load average (1 min) before the transcodes {load_before:.2f}, after {os.getloadavg()[0]:.2f}, "
          f"on {os.cpu_count()} CPUs: other work on the machine only ever adds wall time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
