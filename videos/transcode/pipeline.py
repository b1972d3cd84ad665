"""The transcode pipeline: one attempt of one video, from its stored source to a ready HLS ladder.

Every attempt has its own id and writes under its own output prefix; the video points at that
prefix only in the transaction that marks it ready, and only if the attempt is still the
video's current one. A redelivered, retried or duplicate task therefore never mixes outputs.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.events import RenditionReady
from notifications.services import event_publish, video_group

from .. import outputs, storage
from ..ffmpeg import (
    FFmpegCancelled,
    ProbeError,
    ProbeLimits,
    ProbeResult,
    Rung,
    Storyboard,
    finalize_hls,
    hls_command,
    ladder_for,
    make_output_dirs,
    probe,
    run_ffmpeg,
    storyboard_for,
    storyboard_sheet_command,
    storyboard_tiles_dir,
    storyboard_vtt,
)
from ..ffmpeg.runner import Limits
from ..ffmpeg.runner import run as run_ffmpeg_step
from ..lifecycle import video_move
from ..liveness import Heartbeat, heartbeat_is_fresh, scratch_prefix
from ..models import Rendition, Video
from .failures import attempt_cancelled
from .progress import ProgressTracker, TranscodeCancelled, TranscodeSuperseded

logger = logging.getLogger(__name__)

DOWNLOAD_CHUNK = 4 * 1024 * 1024
TRUNCATED_RATIO = 0.9  # less output than this share of the probed duration means a cut-off file
# Overall progress: the transcode is the bulk of the work, downloads and uploads the edges.
TRANSCODE_SPAN = (2.0, 95.0)

Stage = Video.Stage


@dataclass(frozen=True)
class Plan:
    probe: ProbeResult
    ladder: list[Rung]
    storyboard: Storyboard
    segment_seconds: int
    preset: str

    def command(self, *, source, out_dir) -> list[str]:
        return hls_command(
            source=source, probe=self.probe, ladder=self.ladder, out_dir=out_dir,
            segment_seconds=self.segment_seconds, storyboard=self.storyboard, preset=self.preset,
        )


def probe_limits() -> ProbeLimits:
    """What a source may cost, from settings (the upload check and the worker use the same)."""
    return ProbeLimits(
        max_side=settings.MAX_VIDEO_SIDE, max_streams=settings.MAX_VIDEO_STREAMS,
        max_duration=settings.MAX_VIDEO_DURATION,
    )


def pass_limits(duration: float) -> Limits:
    """The rlimits of one ffmpeg pass over a source of this duration."""
    return Limits(
        memory_bytes=settings.TRANSCODE_MEMORY_LIMIT_MB << 20,
        cpu_seconds=int(120 + duration * settings.TRANSCODE_CPU_SECONDS_PER_SECOND)
        if settings.TRANSCODE_CPU_SECONDS_PER_SECOND else 0,
    )


def transcode_plan(info: ProbeResult) -> Plan:
    """Plan the ladder, storyboard and encoder settings for a probed source, from settings."""
    return Plan(
        probe=info,
        ladder=ladder_for(info, rungs=settings.TRANSCODE_RUNGS, av1=settings.TRANSCODE_AV1),
        storyboard=storyboard_for(info),
        segment_seconds=settings.TRANSCODE_SEGMENT_SECONDS,
        preset=settings.TRANSCODE_PRESET,
    )


def transcode_attempt(*, video_id, attempt: str, redelivered: bool = False) -> Video | None:
    """Run one transcode attempt; return the ready video, or None when there was nothing to do.

    ``redelivered``: the broker gave this task before and it was never acknowledged (its worker
    died or lost its connection): if the video's running attempt has gone silent, take over now.
    Raises ProbeError, FFmpegError, storage errors… for the task's failure path.
    """
    take_over = redelivered and _running_attempt_silent(video_id)
    video = _claim(video_id, attempt, take_over=take_over)
    if video is None:
        return None
    tracker = ProgressTracker(video, attempt)
    started = time.monotonic()
    try:
        with (
            Heartbeat(video.pk, attempt),
            tempfile.TemporaryDirectory(prefix=scratch_prefix(), dir=settings.TRANSCODE_SCRATCH_DIR) as scratch,
        ):
            scratch = Path(scratch)
            # Ticks stop before the completion, so that no progress event follows transcode_complete.
            with tracker.ticking():
                tracker.set_stage(Stage.DOWNLOADING, 0)
                source = _download(video, scratch, tracker)
                tracker.set_stage(Stage.PROBING, 1)
                info = probe(source, probe_limits())
                Video.objects.filter(pk=video.pk, attempt=attempt).update(
                    duration=info.duration, width=info.width, height=info.height, fps=info.fps,
                    has_audio=info.has_audio,
                )
                plan = transcode_plan(info)
                prefix = storage.output_prefix(video.pk, attempt)
                out_dir = scratch / "out"
                make_output_dirs(out_dir)
                tracker.set_stage(Stage.TRANSCODING, TRANSCODE_SPAN[0])
                _run(plan.command(source=source, out_dir=out_dir), info.duration, scratch, tracker)
                run_ffmpeg_step(storyboard_sheet_command(out_dir=out_dir, storyboard=plan.storyboard), stderr_path=scratch / "sheet.log")
                shutil.rmtree(storyboard_tiles_dir(out_dir))
                hls = finalize_hls(out_dir, plan.ladder, has_audio=info.has_audio)
                (out_dir / "thumbs" / "storyboard.vtt").write_text(storyboard_vtt(plan.storyboard, duration=info.duration))
                tracker.set_stage(Stage.UPLOADING, TRANSCODE_SPAN[1])
                _upload(out_dir, prefix, tracker)
            return _complete(video.pk, attempt, prefix, plan, hls, elapsed=time.monotonic() - started)
    except TranscodeCancelled:
        attempt_cancelled(video_id=video.pk, attempt=attempt)
        return None
    except TranscodeSuperseded:
        logger.info("video %s: attempt %s was superseded; its outputs are dropped", video.pk, attempt)
        storage.delete_prefix(storage.output_prefix(video.pk, attempt))
        return None


def _running_attempt_silent(video_id) -> bool:
    """Watch a processing video's heartbeat for three beats: True when it never moved."""
    def beat():
        return Video.objects.filter(pk=video_id, status=Video.Status.PROCESSING).values_list(
            "attempt", "heartbeat_at"
        ).first()

    first = beat()
    if first is None:
        return False
    interval = settings.TRANSCODE_HEARTBEAT_SECONDS
    deadline = time.monotonic() + 3 * interval
    while time.monotonic() < deadline:
        time.sleep(min(1.0, interval))
        if beat() != first:
            return False  # alive (or finished): this delivery is a duplicate
    logger.warning("video %s: attempt %s stopped beating; a redelivered task takes over", video_id, first[0])
    return True


def _claim(video_id, attempt: str, *, take_over: bool = False) -> Video | None:
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None:
            logger.info("video %s is gone; nothing to transcode", video_id)
            return None
        if video.status not in Video.ACTIVE_STATUSES:
            logger.info("video %s is %s; nothing to transcode", video_id, video.status)
            return None
        # A "processing" video whose task arrives again: while its attempt's worker shows life, this
        # is a duplicate (a late redelivery) and does nothing; once that worker is gone, this
        # attempt takes over and the old one, should it wake up, stops at its next check.
        if video.status == Video.Status.PROCESSING and heartbeat_is_fresh(video) and not take_over:
            logger.info("video %s is being transcoded by a live attempt %s; nothing to do", video_id, video.attempt)
            return None
        if video.cancel_requested:
            video_move(video, Video.Status.CANCELLED)
            return None
        video_move(video, Video.Status.PROCESSING, attempt=attempt)
    return video


def _download(video: Video, scratch: Path, tracker: ProgressTracker) -> Path:
    suffix = Path(video.source.name).suffix[:10]
    target = scratch / f"source{suffix}"
    size = max(1, video.source_size or 1)
    copied = 0
    with video.source.storage.open(video.source.name, "rb") as remote, open(target, "wb") as local:
        while chunk := remote.read(DOWNLOAD_CHUNK):
            local.write(chunk)
            copied += len(chunk)
            # Keeps progress_at fresh on big sources, so the stall watchdog leaves them alone.
            tracker.update(TRANSCODE_SPAN[0] * min(1.0, copied / size) * 0.5)
    return target


def _run(cmd: list[str], duration: float, scratch: Path, tracker: ProgressTracker) -> None:
    low, high = TRANSCODE_SPAN
    logger.info("video %s: %s", tracker.video_id, " ".join(cmd))
    out_time = 0.0
    try:
        for progress in run_ffmpeg(
            cmd, duration=duration, stderr_path=scratch / "ffmpeg.log", should_cancel=tracker.should_stop, poll=0.25,
            limits=pass_limits(duration),
        ):
            out_time = max(out_time, progress.out_time)
            tracker.update(low + (high - low) * progress.percent / 100, speed=progress.speed, eta=progress.eta_seconds)
    except FFmpegCancelled:
        raise TranscodeSuperseded if tracker.superseded else TranscodeCancelled from None
    # A truncated file keeps its header, so it probes fine and ffmpeg exits 0 after decoding
    # what is there: only the length of the output tells.
    if out_time < duration * TRUNCATED_RATIO - 0.5:
        raise ProbeError(
            f"The file is truncated or damaged: only {out_time:.1f} of its {duration:.1f} seconds could be read."
        )


def _upload(out_dir: Path, prefix: str, tracker: ProgressTracker) -> None:
    files = sorted(path for path in out_dir.rglob("*") if path.is_file())
    master = out_dir / "hls" / "master.m3u8"
    rest = [path for path in files if path != master]
    low, high = TRANSCODE_SPAN[1], 99.0
    done = 0
    # Players find a video through its master playlist: it goes last, once all it names exists.
    with ThreadPoolExecutor(max_workers=settings.TRANSCODE_UPLOAD_WORKERS) as pool:
        futures = [pool.submit(outputs.put_file, prefix + path.relative_to(out_dir).as_posix(), path) for path in rest]
        for future in futures:
            future.result()
            done += 1
            if done % 10 == 0:
                tracker.update(low + (high - low) * done / len(files))
    tracker.check()
    outputs.put_file(prefix + master.relative_to(out_dir).as_posix(), master)


def _complete(video_id, attempt: str, prefix: str, plan: Plan, hls, *, elapsed: float) -> Video | None:
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None or video.attempt != attempt or video.status != Video.Status.PROCESSING:
            raise TranscodeSuperseded
        if video.cancel_requested:
            raise TranscodeCancelled
        audio_bandwidth = hls.audio.bandwidth if hls.audio else 0
        video.renditions.all().delete()
        audio_average = hls.audio.average_bandwidth if hls.audio else 0
        Rendition.objects.bulk_create(
            Rendition(
                video=video, name=variant.name, codec=rung.codec, width=variant.width, height=variant.height,
                bandwidth=variant.bandwidth + audio_bandwidth,
                average_bandwidth=variant.average_bandwidth + audio_average,
                codecs=variant.codecs, frame_rate=variant.frame_rate,
                playlist_key=storage.variant_playlist_key(prefix, variant.name),
            )
            for variant, rung in zip(hls.variants, plan.ladder)
        )
        video.output_prefix = prefix
        video.transcode_seconds = round(elapsed, 3)
        playable_at = (video.playable_at or timezone.now()).isoformat()
        for variant in hls.variants:  # one per quality, as api.video sends them, then the completion
            event_publish(
                RenditionReady(video_id=str(video.pk), rendition=variant.name, width=variant.width,
                               height=variant.height, playable_at=playable_at),
                user_ids=[video.owner_id], groups=[video_group(video.pk)],
            )
        video_move(video, Video.Status.READY, renditions=[v.name for v in hls.variants])
        transaction.on_commit(lambda: outputs.delete_stale_outputs(video_id, keep=prefix))
    logger.info("video %s ready in %.1f s (%s)", video.pk, elapsed, ", ".join(v.name for v in hls.variants))
    return video
