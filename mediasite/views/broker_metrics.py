"""Prometheus: the Celery side on /metrics — messages waiting in each queue, workers that answer.

Read from the broker at scrape time by the web process that serves /metrics, like the other
collectors, so the figures do not depend on which process is scraped. Redis and RabbitMQ both
answer a passive queue declaration with the queue's length; a ping reaches every live worker.
"""

import logging

from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector

from mediasite.celery import app

logger = logging.getLogger(__name__)

# A scrape waits this long for workers' pongs (Prometheus's scrape timeout is 10 s).
PING_TIMEOUT = 1.0
BROKER_TIMEOUT = 3.0


def queue_names() -> list[str]:
    """The queues tasks are routed to: the default one and every route's."""
    conf = app.conf
    routes = conf.task_routes or {}
    names = {conf.task_default_queue}
    names |= {route["queue"] for route in (routes.values() if isinstance(routes, dict) else []) if "queue" in route}
    return sorted(names)


def broker_figures() -> dict:
    """Messages waiting per queue and the number of workers that answer a ping."""
    with app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
        lengths = {name: _queue_length(connection, name) for name in queue_names()}
        workers = app.control.ping(timeout=PING_TIMEOUT, connection=connection)
    return {"queues": lengths, "workers": len(workers or [])}


def _queue_length(connection, name: str) -> int:
    channel = connection.channel()
    try:
        return channel.queue_declare(queue=name, passive=True).message_count
    except connection.channel_errors:
        return 0  # not declared yet, or (Redis) emptied: an empty list is no key at all
    finally:
        try:
            channel.close()
        except Exception:  # an AMQP channel closed by the refused declaration
            pass


class BrokerCollector(Collector):
    def describe(self):
        return []  # nothing to check at registration; collect() needs the broker

    def collect(self):
        try:
            figures = broker_figures()
        except Exception:  # /metrics must still answer when the broker is away
            logger.warning("broker metrics unavailable", exc_info=True)
            return
        lengths = GaugeMetricFamily(
            "mediasite_celery_queue_length", "Task messages waiting in each Celery queue.", labels=["queue"]
        )
        for name, length in figures["queues"].items():
            lengths.add_metric([name], length)
        yield lengths
        yield GaugeMetricFamily(
            "mediasite_celery_workers", "Celery workers that answered a ping during the scrape.",
            value=figures["workers"],
        )


_registered = False


def register() -> None:
    """Register the collector once per process (from mediasite.urls, beside /metrics)."""
    global _registered
    if not _registered:
        REGISTRY.register(BrokerCollector())
        _registered = True
