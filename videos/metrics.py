"""Transcode metrics on /metrics: duration histogram, realtime factor, failures by reason.

Transcodes run in worker processes while web processes serve /metrics, so the figures come
from the database at scrape time, through a prometheus_client collector, instead of counters
living in a process that nobody scrapes. They are right however many workers and webs run.
"""

from __future__ import annotations

import logging

from django.db.models import Count, F, Q, Sum
from prometheus_client.core import REGISTRY, GaugeMetricFamily, HistogramMetricFamily

logger = logging.getLogger(__name__)

DURATION_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 10800)
REALTIME_BUCKETS = (0.25, 0.5, 1, 2, 4, 8, 16, 32)


class TranscodeCollector:
    def describe(self):
        # Without describe(), registering would call collect() and query the database at startup.
        return [
            HistogramMetricFamily("mediasite_transcode_duration_seconds", ""),
            HistogramMetricFamily("mediasite_transcode_realtime_factor", ""),
            GaugeMetricFamily("mediasite_transcode_failed_videos", ""),
            GaugeMetricFamily("mediasite_videos", ""),
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
    failures = {reason: 0 for reason in Video.FailureReason.values if reason}
    for item in (
        Video.objects.filter(status=Video.Status.FAILED).values("failure_reason").annotate(n=Count("pk"))
    ):
        failures[item["failure_reason"] or Video.FailureReason.INTERNAL] += item["n"]
    statuses = {status: 0 for status in Video.Status.values}
    for item in Video.objects.values("status").annotate(n=Count("pk")):
        statuses[item["status"]] = item["n"]
    return {
        "count": row["count"],
        "duration_sum": row["duration_sum"] or 0.0,
        "realtime_sum": row["realtime_sum"] or 0.0,
        "duration_buckets": [(bound, row[f"d{i}"]) for i, bound in enumerate(DURATION_BUCKETS)],
        "realtime_buckets": [(bound, row[f"r{i}"]) for i, bound in enumerate(REALTIME_BUCKETS)],
        "failures": failures,
        "statuses": statuses,
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
