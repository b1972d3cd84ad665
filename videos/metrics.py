"""Transcode metrics on /metrics: duration histogram, realtime factor, failures by reason, the queue's
oldest video, transcodes in flight, and the bytes of accepted uploads.

Transcodes run in worker processes while web processes serve /metrics, so the figures come
from the database at scrape time, through a prometheus_client collector, instead of counters
living in a process that nobody scrapes. They are right however many workers and webs run. Upload bytes are the exception: a counter in
each web process that accepts uploads (Prometheus sums the processes; rate() survives restarts).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import REGISTRY, GaugeMetricFamily, HistogramMetricFamily

logger = logging.getLogger(__name__)

DURATION_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 10800)
REALTIME_BUCKETS = (0.25, 0.5, 1, 2, 4, 8, 16, 32)
PLAYABLE_BUCKETS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)

UPLOAD_BYTES = Counter("mediasite_upload_bytes", "Bytes of video sources accepted by uploads in this process.")


class TranscodeCollector:
    def describe(self):
        # Without describe(), registering would call collect() and query the database at startup.
        return [
            HistogramMetricFamily("mediasite_transcode_duration_seconds", ""),
            HistogramMetricFamily("mediasite_transcode_realtime_factor", ""),
            HistogramMetricFamily("mediasite_time_to_playable_seconds", ""),
            GaugeMetricFamily("mediasite_transcode_failed_videos", ""),
            GaugeMetricFamily("mediasite_videos", ""),
            GaugeMetricFamily("mediasite_queued_video_oldest_age_seconds", ""),
            GaugeMetricFamily("mediasite_transcodes_in_flight", ""),
        ]

    def collect(self):
        try:
            figures = transcode_figures()
        except Exception:  # a scrape must never fail because the database is briefly away
            logger.warning("transcode metrics unavailable", exc_info=True)
            return
        yield _histogram(
            "mediasite_transcode_duration_seconds", "Wall seconds from start to ready of the current outputs.",
            figures["duration_buckets"], figures["count"], figures["duration_sum"],
        )
        yield _histogram(
            "mediasite_transcode_realtime_factor", "Seconds of video transcoded per wall second (higher is faster).",
            figures["realtime_buckets"], figures["count"], figures["realtime_sum"],
        )
        yield _histogram(
            "mediasite_time_to_playable_seconds",
            "Seconds from the upload being stored to the first playable rendition (a remux, or the ladder).",
            figures["playable_buckets"], figures["playable_count"], figures["playable_sum"],
        )
        failed = GaugeMetricFamily(
            "mediasite_transcode_failed_videos", "Videos whose last transcode failed, by reason.", labels=["reason"]
        )
        for reason, count in figures["failures"].items():
            failed.add_metric([reason], count)
        yield failed
        by_status = GaugeMetricFamily("mediasite_videos", "Videos by status.", labels=["status"])
        for status, count in figures["statuses"].items():
            by_status.add_metric([status], count)
        yield by_status
        yield GaugeMetricFamily(
            "mediasite_queued_video_oldest_age_seconds",
            "Seconds the longest-waiting queued video has waited (since queued or its task last resent); 0 when none.",
            value=figures["oldest_queued_age"],
        )
        yield GaugeMetricFamily(
            "mediasite_transcodes_in_flight",
            "Videos processing whose attempt's heartbeat is fresh (a worker is on them).",
            value=figures["in_flight"],
        )


def transcode_figures() -> dict:
    """Aggregate the transcode figures in a handful of queries."""
    from .models import Video

    ready = Video.objects.filter(status=Video.Status.READY, transcode_seconds__gt=0, duration__gt=0)
    aggregates = {
        "count": Count("pk"),
        "duration_sum": Sum("transcode_seconds"),
        "realtime_sum": Sum(F("duration") / F("transcode_seconds")),
    }
    for index, bound in enumerate(DURATION_BUCKETS):
        aggregates[f"d{index}"] = Count("pk", filter=Q(transcode_seconds__lte=bound))
    for index, bound in enumerate(REALTIME_BUCKETS):
        # duration / seconds <= bound, without a division in the filter
        aggregates[f"r{index}"] = Count("pk", filter=Q(duration__lte=F("transcode_seconds") * bound))
    row = ready.aggregate(**aggregates)
    waited = ExpressionWrapper(F("playable_at") - F("created_at"), output_field=DurationField())
    playable = Video.objects.filter(playable_at__isnull=False).aggregate(
        count=Count("pk"), total=Sum(waited),
        **{f"p{index}": Count("pk", filter=Q(playable_at__lte=F("created_at") + timedelta(seconds=bound)))
           for index, bound in enumerate(PLAYABLE_BUCKETS)},
    )
    failures = {reason: 0 for reason in Video.FailureReason.values if reason}
    for item in (
        Video.objects.filter(status=Video.Status.FAILED).values("failure_reason").annotate(n=Count("pk"))
    ):
        failures[item["failure_reason"] or Video.FailureReason.INTERNAL] += item["n"]
    statuses = {status: 0 for status in Video.Status.values}
    for item in Video.objects.values("status").annotate(n=Count("pk")):
        statuses[item["status"]] = item["n"]
    now = timezone.now()
    # updated_at is when a queued video was queued (nothing writes it while it waits but a resend),
    # as the watchdog's resend reads it too.
    oldest = Video.objects.filter(status=Video.Status.QUEUED).aggregate(oldest=Min("updated_at"))["oldest"]
    lost = now - timedelta(seconds=settings.TRANSCODE_WORKER_LOST_SECONDS)
    in_flight = Video.objects.filter(
        Q(heartbeat_at__gte=lost) | Q(heartbeat_at__isnull=True, progress_at__gte=lost), status=Video.Status.PROCESSING
    ).count()
    return {
        "count": row["count"],
        "duration_sum": row["duration_sum"] or 0.0,
        "realtime_sum": row["realtime_sum"] or 0.0,
        "duration_buckets": [(bound, row[f"d{i}"]) for i, bound in enumerate(DURATION_BUCKETS)],
        "realtime_buckets": [(bound, row[f"r{i}"]) for i, bound in enumerate(REALTIME_BUCKETS)],
        "playable_count": playable["count"],
        "playable_sum": playable["total"].total_seconds() if playable["total"] else 0.0,
        "playable_buckets": [(bound, playable[f"p{i}"]) for i, bound in enumerate(PLAYABLE_BUCKETS)],
        "failures": failures,
        "statuses": statuses,
        "oldest_queued_age": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        "in_flight": in_flight,
    }


def _histogram(name, documentation, buckets, count, total) -> HistogramMetricFamily:
    return HistogramMetricFamily(
        name, documentation,
        buckets=[(str(float(bound)), value) for bound, value in buckets] + [("+Inf", count)],
        sum_value=total,
    )


_collector: TranscodeCollector | None = None


def register() -> None:
    """Register the collector once per process (AppConfig.ready)."""
    global _collector
    if _collector is None:
        _collector = TranscodeCollector()
        REGISTRY.register(_collector)
