"""The first rendition of a video, made and published while the ladder waits or encodes.

A source that browsers play as it is gets a remux (no re-encode); any other a fast, low rung
(x264 ultrafast). Either is published as it is written: its segments go to storage as ffmpeg
closes them, its playlist (an EVENT playlist) grows with them, and the video becomes playable
once FIRST_SEGMENTS exist — seconds after the upload, whatever its length. The ladder then
replaces it for new plays (videos/transcode/pipeline.py).

It runs as a task of its own, on a queue of its own (`first`, its own worker), so that it never
waits behind another video's ladder (MediaCMS #946 asks for this). It is no attempt: it writes
under a prefix of its own (storage.first_prefix), publishes only while the video is in flight and
not yet playable, and a duplicate or a late one discards what it wrote. What it costs if it
cannot be made (a refused source, a failure): only the head start.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from notifications.events import RenditionReady
from notifications.services import event_publish, video_group

from .. import outputs, storage
from ..ffmpeg import FFmpegCancelled, ladder_for, probe, run_ffmpeg
from ..ffmpeg import first as commands
from ..ffmpeg.hls import AAC_LC, codec_string, playlist_segments
from ..models import Rendition, Video
from .pipeline import pass_limits, probe_limits

logger = logging.getLogger(__name__)

FIRST_SEGMENTS = 2  # segments stored before the video is called playable
SYNC_INTERVAL = 0.25  # how often new segments are looked for while ffmpeg writes
FAST_PRESET = "ultrafast"


def first_rendition_make(*, video_id) -> bool:
    """Make and publish a video's first rendition; True when it was published."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None or video.status not in Video.ACTIVE_STATUSES or video.playable_at is not None:
        return False
    publisher = None
    try:
        with tempfile.TemporaryDirectory(prefix="mediasite-first-", dir=settings.TRANSCODE_SCRATCH_DIR) as scratch:
            scratch = Path(scratch)
            source = default_storage.local_file(video.source.name, scratch)
            info = probe(source, probe_limits())
            refusal = commands.remux_refusal(info)
            if refusal is None:
                try:
                    publisher = _make(video, source, info, scratch / "remux", remux=True)
                    kind = "remuxed"
                except SparseKeyframes as exc:
                    refusal = str(exc)
            if refusal is not None:
                publisher = _make(video, source, info, scratch / "fast", remux=False)
                kind = f"fast rung ({refusal})"
    except Exception as exc:  # the ladder goes on regardless: a first rendition is a head start
        logger.warning("video %s: no first rendition (%s: %s)", video.pk, type(exc).__name__, exc)
        return False
    if publisher.published_at is None:
        return False
    logger.info("video %s: first rendition %s, playable %.1f s after the upload", video.pk, kind,
                (publisher.published_at - video.created_at).total_seconds())
    return True


class SparseKeyframes(Exception):
    """A remux would cut segments longer than MAX_SEGMENT_SECONDS: the fast rung is made instead."""


def _make(video: Video, source: Path, info, out_dir: Path, *, remux: bool) -> "_Publisher":
    """Run one first-rendition command, publishing as it goes; what it stored goes if it is not published."""
    publisher = _Publisher(video, storage.first_prefix(video.pk, uuid.uuid4().hex[:12]))
    segment = settings.TRANSCODE_SEGMENT_SECONDS
    if remux:
        cmd = commands.remux_command(source=source, probe=info, out_dir=out_dir, segment_seconds=segment)
        publisher.expect(info, name=commands.NAME, size=(info.width, info.height))
    else:
        [rung] = ladder_for(info, rungs=[settings.FIRST_RUNG])[-1:]
        cmd = commands.fast_rung_command(source=source, probe=info, rung=rung, out_dir=out_dir,
                                         segment_seconds=segment, preset=FAST_PRESET)
        publisher.expect(info, name=commands.FAST_NAME, size=(rung.width, rung.height))
    try:
        for _ in run_ffmpeg(cmd, duration=info.duration, stderr_path=out_dir.parent / f"{out_dir.name}.log",
                            should_cancel=publisher.should_stop, poll=SYNC_INTERVAL,
                            limits=pass_limits(info.duration)):
            publisher.sync(out_dir)
        publisher.sync(out_dir, final=True)
    except FFmpegCancelled:
        if publisher.published_at is None:
            publisher.withdraw()
            raise
        # Published already; the video left flight (ready, cancelled, failed) before the rest was written.
        logger.info("video %s: first rendition stopped, the video is no longer in flight", video.pk)
    except BaseException:
        publisher.withdraw()
        raise
    if publisher.published_at is None:
        publisher.withdraw()
    return publisher


class _Publisher:
    """Uploads a growing HLS variant as ffmpeg writes it and publishes it once it can be played."""

    def __init__(self, video: Video, prefix: str):
        self.video = video
        self.prefix = prefix
        self.stored: list[tuple[str, float]] = []  # (segment, seconds) in playlist order
        self.stored_bytes = 0
        self.init_stored = False
        self.published_at = None
        self.rendition_id = None
        self.discard = False
        self._checked_at = 0.0

    def expect(self, info, *, name: str, size: tuple[int, int]) -> None:
        self.info, self.name, self.size = info, name, size
        self.remuxed = name == commands.NAME
        self.base = f"{self.prefix}hls/{name}/"

    def should_stop(self) -> bool:
        """Stop when the video no longer needs a first rendition (ready, failed, cancelled, deleted)."""
        now = time.monotonic()
        if now - self._checked_at < 1.0:
            return self.discard
        self._checked_at = now
        status = Video.objects.filter(pk=self.video.pk).values_list("status", flat=True).first()
        if status not in Video.ACTIVE_STATUSES:
            self.discard = True
        return self.discard

    def sync(self, out_dir: Path, *, final: bool = False) -> None:
        directory = out_dir / "hls" / self.name
        playlist = directory / "index.m3u8"
        if not playlist.exists():
            return
        text = playlist.read_text()
        if not self.init_stored and (directory / "init.mp4").exists():
            outputs.put_file(self.base + "init.mp4", directory / "init.mp4")
            self.init_stored = True
        segments = playlist_segments(text)
        fresh = segments[len(self.stored):]
        for name, seconds in fresh:
            path = directory / name
            outputs.put_file(self.base + name, path)
            self.stored_bytes += path.stat().st_size
            self.stored.append((name, seconds))
        if fresh or final:
            # The playlist names only what is stored; ffmpeg's final one ends with ENDLIST.
            published = directory / "published.m3u8"
            published.write_bytes(_playlist(text, len(self.stored), final=final))
            outputs.put_file(self.base + "index.m3u8", published)
        if self.published_at is None and self.init_stored and (len(self.stored) >= FIRST_SEGMENTS or final):
            if self.remuxed and max(seconds for _, seconds in self.stored) > commands.MAX_SEGMENT_SECONDS:
                raise SparseKeyframes(f"keyframes more than {commands.MAX_SEGMENT_SECONDS:g} s apart")
            self._publish(directory, complete=final)
        elif final and self.rendition_id:
            Rendition.objects.filter(pk=self.rendition_id).update(complete=True)

    def _publish(self, directory: Path, *, complete: bool) -> None:
        info = self.info
        seconds = sum(s for _, s in self.stored) or 1.0
        average = round(self.stored_bytes * 8 / seconds)
        codecs = codec_string((directory / "init.mp4").read_bytes()) + (f",{AAC_LC}" if info.has_audio else "")
        width, height = self.size
        with transaction.atomic():
            video = Video.objects.select_for_update().filter(pk=self.video.pk).first()
            if video is None or video.status not in Video.ACTIVE_STATUSES or video.playable_at is not None:
                self.discard = True
                raise _Late
            rendition = Rendition.objects.create(
                video=video, name=self.name, codec=Rendition.Codec.H264, width=width, height=height,
                bandwidth=round(average * 1.5), average_bandwidth=average, codecs=codecs, frame_rate=info.fps,
                playlist_key=self.base + "index.m3u8", muxed_audio=info.has_audio, complete=complete,
            )
            video.playable_at = timezone.now()
            video.save(update_fields=["playable_at"])
            event_publish(
                RenditionReady(video_id=str(video.pk), rendition=rendition.name, width=width, height=height,
                               playable_at=video.playable_at.isoformat(), first=True),
                user_ids=[video.owner_id], groups=[video_group(video.pk)],
            )
        self.rendition_id, self.published_at = rendition.pk, video.playable_at

    def withdraw(self) -> None:
        """Remove what was stored, unless it was published (then the video's life cycle owns it)."""
        if self.published_at is None:
            threading.Thread(target=_delete_quietly, args=(self.prefix,), daemon=True).start()


class _Late(Exception):
    """The video became playable (or left flight) meanwhile: this first rendition is not needed."""


def _delete_quietly(prefix: str) -> None:
    try:
        storage.delete_prefix(prefix)
    except Exception:  # the orphan clean-up removes it later
        logger.warning("could not remove %s", prefix, exc_info=True)


def _playlist(text: str, count: int, *, final: bool) -> bytes:
    """ffmpeg's playlist cut after its first `count` segments, as an EVENT playlist until it is final."""
    out, seen = [], 0
    for line in text.splitlines():
        if line.startswith("#EXT-X-ENDLIST") and not final:
            continue
        if line and not line.startswith("#"):
            seen += 1
            if seen > count:
                break
        out.append(line)
    if out and out[-1].startswith("#EXTINF:"):
        out.pop()
    if final and "#EXT-X-ENDLIST" not in out:
        out.append("#EXT-X-ENDLIST")
    return ("\n".join(out) + "\n").encode()
