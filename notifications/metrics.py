"""Prometheus: open websocket connections, read from the same Redis count as the stats endpoint."""

import logging

from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector

from .presence import KINDS, connection_counts

logger = logging.getLogger(__name__)


class ConnectionsCollector(Collector):
    """Reads the cross-process count at scrape time, so every web process reports the same figure."""

    def describe(self):
        return []  # nothing to check at registration; collect() needs Redis

    def collect(self):
        try:
            counts = connection_counts()
        except Exception:  # /metrics must still answer when Redis is away
            logger.warning("could not read websocket connection counts", exc_info=True)
            return
        gauge = GaugeMetricFamily(
            "mediasite_websocket_connections",
            "Open websocket connections across all web processes, by kind.",
            labels=["kind"],
        )
        for kind in KINDS:
            gauge.add_metric([kind], counts[kind])
        yield gauge


_registered = False


def register() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(ConnectionsCollector())
        _registered = True
