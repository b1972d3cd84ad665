"""The operator's metrics on /metrics, the Grafana dashboard over them and its provisioning."""

import json
import re
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from mediasite.views import broker_metrics
from mediasite.celery import app
from tests.api_support import make_video
from tests.live_stack import LiveStack
from videos.models import Video

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "mediasite.json"
PROVISIONING = ROOT / "deploy" / "grafana" / "provisioning"
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
ADDED = {
    "mediasite_celery_queue_length", "mediasite_celery_workers", "mediasite_queued_video_oldest_age_seconds",
    "mediasite_transcodes_in_flight", "mediasite_upload_bytes_total",
    "django_http_requests_latency_seconds_by_view_method_bucket",
}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}


def dashboard_exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression reads: identifiers that are not functions, keywords or labels."""
    expr = re.sub(r'"[^"]*"', "", expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)
    names = set(re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", expr))
    return {name for name in names if name not in PROMQL_WORDS}


def exposed_names(text: str) -> set[str]:
    return {sample.name for family in text_string_to_metric_families(text) for sample in family.samples}


def values(text: str, name: str) -> dict[tuple, float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples if sample.name == name
    }


def test_metric_names_of_an_expression():
    expr = 'histogram_quantile(0.95, sum by (le, view) (rate(django_x_bucket{view!="a"}[5m]))) / on (a) max(m_y)'
    assert metric_names(expr) == {"django_x_bucket", "m_y"}


def test_dashboard_queries_the_metrics_an_operator_needs():
    queried = set().union(*map(metric_names, dashboard_exprs()))
    assert ADDED <= queried, ADDED - queried


@pytest.mark.django_db
def test_every_metric_the_dashboard_queries_is_on_metrics(client):
    client.get("/healthz")  # a request, so the by-view series exist
    exposed = exposed_names(client.get("/metrics").content.decode())
    missing = {(name, expr) for expr in dashboard_exprs() for name in metric_names(expr) if name not in exposed}
    assert not missing, missing


def test_dashboard_panels_use_the_provisioned_data_source():
    (source,) = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in dashboard["panels"]:
        for item in [panel, *panel.get("targets", [])]:
            if "datasource" in item:
                assert item["datasource"] == {"type": "prometheus", "uid": source["uid"]}, panel["title"]


def test_grafana_loads_the_dashboard_folder_that_compose_mounts():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    grafana, prometheus = compose["services"]["grafana"], compose["services"]["prometheus"]
    (provider,) = yaml.safe_load((PROVISIONING / "dashboards" / "mediasite.yml").read_text())["providers"]
    mounts = dict(volume.rsplit(":", 2)[:2] if volume.count(":") == 2 else volume.split(":", 1)
                  for volume in grafana["volumes"])
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    for service in (grafana, prometheus):
        assert service["profiles"] == ["monitoring"] and service["healthcheck"]["test"]
    assert re.fullmatch(r"prom/prometheus:v\d+\.\d+\.\d+", prometheus["image"])
    assert re.fullmatch(r"grafana/grafana:\d+\.\d+\.\d+", grafana["image"])


def test_prometheus_scrapes_the_web_service_by_a_host_name_it_allows():
    (job,) = yaml.safe_load(PROMETHEUS.read_text())["scrape_configs"]
    (target,) = job["static_configs"][0]["targets"]
    assert job["metrics_path"] == "/metrics" and target == "web:8000"
    allowed = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["web"]["environment"]["ALLOWED_HOSTS"]
    assert "web" in re.sub(r"\$\{ALLOWED_HOSTS:-(.*)\}", r"\1", allowed).split(",")


@pytest.mark.django_db
def test_queue_depth_counts_messages_waiting_in_each_queue(client):
    assert broker_metrics.queue_names() == ["captions", "default", "first", "transcode"]
    with app.connection_for_write() as connection:
        _purge(connection)
        try:
            for _ in range(3):
                app.send_task("videos.tasks.storage_cleanup", queue="default", connection=connection)
            app.send_task("videos.tasks.video_transcode", args=["00000000-0000-0000-0000-000000000000"],
                          queue="transcode", connection=connection)
            lengths = values(client.get("/metrics").content.decode(), "mediasite_celery_queue_length")
            assert lengths == {(("queue", "captions"),): 0.0, (("queue", "default"),): 3.0, (("queue", "first"),): 0.0,
                               (("queue", "transcode"),): 1.0}
        finally:
            _purge(connection)
    assert values(client.get("/metrics").content.decode(), "mediasite_celery_queue_length") == {
        (("queue", "captions"),): 0.0, (("queue", "default"),): 0.0, (("queue", "first"),): 0.0,
        (("queue", "transcode"),): 0.0,
    }


def _purge(connection) -> None:
    for name in broker_metrics.queue_names():
        connection.default_channel.queue_purge(name)


@pytest.mark.django_db
def test_oldest_queued_age_and_transcodes_in_flight(client, user, settings):
    from django.utils import timezone

    now = timezone.now()
    old = make_video(user)
    Video.objects.filter(pk=old.pk).update(updated_at=now - timezone.timedelta(seconds=120))
    make_video(user)
    live = make_video(user, status=Video.Status.PROCESSING)
    lost = make_video(user, status=Video.Status.PROCESSING)
    Video.objects.filter(pk=live.pk).update(heartbeat_at=now)
    Video.objects.filter(pk=lost.pk).update(heartbeat_at=now - timezone.timedelta(seconds=settings.TRANSCODE_WORKER_LOST_SECONDS + 5))
    text = client.get("/metrics").content.decode()
    assert 120 <= values(text, "mediasite_queued_video_oldest_age_seconds")[()] < 180
    assert values(text, "mediasite_transcodes_in_flight")[()] == 1
    Video.objects.filter(status=Video.Status.QUEUED).delete()
    assert values(client.get("/metrics").content.decode(), "mediasite_queued_video_oldest_age_seconds")[()] == 0


@pytest.mark.django_db
def test_upload_bytes_count_accepted_sources(client, user, tmp_path):
    from django.core.files import File

    from tests.api_support import make_clip
    from videos import services

    before = values(client.get("/metrics").content.decode(), "mediasite_upload_bytes_total")[()]
    clip = make_clip(tmp_path / "c.mp4", seconds=0.5)
    with open(clip, "rb") as handle:
        services.video_create(owner=user, file=File(handle, name="c.mp4"), title="t")
    after = values(client.get("/metrics").content.decode(), "mediasite_upload_bytes_total")[()]
    assert after - before == clip.stat().st_size


@pytest.mark.slow
def test_the_running_app_exposes_what_the_dashboard_queries_and_counts_its_worker(tmp_path, settings):
    stack = LiveStack(tmp_path, settings.REDIS_URL).start()
    try:
        deadline = time.monotonic() + 30
        while True:  # the worker answers pings once it has started
            text = urllib.request.urlopen(f"{stack.url}/metrics", timeout=10).read().decode()
            if values(text, "mediasite_celery_workers").get(()) == 1 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        stack.stop()
    assert values(text, "mediasite_celery_workers")[()] == 1
    exposed = exposed_names(text)
    missing = {name for expr in dashboard_exprs() for name in metric_names(expr)} - exposed
    assert not missing, missing
