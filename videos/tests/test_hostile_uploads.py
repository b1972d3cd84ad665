"""Hostile uploads stay inside their own file, and what a file may cost is bounded.

Each of these is a text or media file that, read with ffmpeg's default demuxer choice, makes the
worker open other files or URLs. They are refused at upload with a 400 naming the accepted
formats, and again by the worker should one reach it (a source stored by other means).
"""

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api_support import assert_error, make_clip, token_client
from videos import services, transcode
from videos.ffmpeg import FFmpegError, ProbeError, probe, run_ffmpeg
from videos.ffmpeg.inputs import ACCEPTED_DEMUXERS, input_args
from videos.ffmpeg.runner import Limits
from videos.models import Video

from .transcode_fixtures import eager_celery, transcode_settings  # noqa: F401 (fixtures)

LIST = "/api/v1/videos/"
NOT_ACCEPTED = "format is not accepted"


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> Path:
    """Media on the worker's disk that no upload may reach (another user's source, say)."""
    path = tmp_path_factory.mktemp("secret") / "secret.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4",
                    "-c:v", "libx264", "-preset", "ultrafast", "-f", "mpegts", str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def http_media(secret):
    """A web server on 127.0.0.1 serving the secret: a playlist must not make the worker fetch it."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = secret.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def _playlist(uri: str) -> bytes:
    return f"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n{uri}\n#EXT-X-ENDLIST\n".encode()


def hostile_files(secret: Path, base_url: str) -> dict[str, tuple[str, bytes]]:
    return {
        "hls-absolute": ("clip.mp4", _playlist(str(secret))),
        "hls-relative": ("clip.mp4", _playlist(f"../../../../../../../..{secret}")),
        "hls-file-url": ("clip.mp4", _playlist(f"file://{secret}")),
        "hls-http": ("clip.mp4", _playlist(f"{base_url}/secret.ts")),
        "ffconcat": ("clip.mp4", f"ffconcat version 1.0\nfile '{secret}'\n".encode()),
        "dash": ("clip.mp4", (
            '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
            'mediaPresentationDuration="PT4S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-live:2011">'
            f'<Period><AdaptationSet mimeType="video/mp2t"><Representation id="1" bandwidth="100000">'
            f'<BaseURL>{base_url}/secret.ts</BaseURL></Representation></AdaptationSet></Period></MPD>'
        ).encode()),
        "image-pattern": ("img%03d.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["hls-absolute", "hls-relative", "hls-file-url", "hls-http", "ffconcat", "dash",
                                  "image-pattern"])
def test_files_that_name_other_inputs_are_refused_at_upload(user, secret, http_media, kind):
    base_url, hits = http_media
    name, content = hostile_files(secret, base_url)[kind]
    before = len(hits)
    response = token_client(user).post(
        LIST, {"file": SimpleUploadedFile(name, content, content_type="video/mp4"), "title": kind}, format="multipart"
    )
    error = assert_error(response, 400)
    assert NOT_ACCEPTED in error["fields"]["file"][0] and "MP4" in error["fields"]["file"][0]
    assert not Video.objects.exists() and len(hits) == before  # nothing fetched, nothing stored


@pytest.mark.django_db(transaction=True)
def test_the_worker_refuses_them_too(user, secret, http_media, transcode_settings, eager_celery):
    """A source stored without the upload check (another client, an older version) fails readably."""
    base_url, hits = http_media
    for kind, (name, content) in hostile_files(secret, base_url).items():
        video = services.video_create(owner=user, file=SimpleUploadedFile(name, content), title=kind)
        video.refresh_from_db()
        assert video.status == Video.Status.FAILED and NOT_ACCEPTED in video.error, (kind, video.error)
        assert video.output_prefix == "" and not video.renditions.exists()
    assert hits == []


@pytest.mark.django_db
def test_a_playlist_appended_to_a_real_mp4_plays_only_the_mp4(user, secret, tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=1.0)
    content = clip.read_bytes() + b"\n" + _playlist(str(secret))
    path = tmp_path / "tail.mp4"
    path.write_bytes(content)
    info = probe(path)
    assert info.demuxer == "mov" and info.duration == pytest.approx(1.0, abs=0.1)  # not the secret's 4 s
    response = token_client(user).post(
        LIST, {"file": SimpleUploadedFile("tail.mp4", content), "title": "tail"}, format="multipart"
    )
    assert response.status_code == 201


def test_input_args_force_the_probed_demuxer_and_the_file_protocol(tmp_path):
    args = input_args(tmp_path / "a b.mkv", demuxer="matroska")
    assert args == ["-protocol_whitelist", "file", "-format_whitelist", ",".join(ACCEPTED_DEMUXERS),
                    "-f", "matroska", "-i", f"file:{tmp_path}/a b.mkv"]
    with pytest.raises(ValueError):
        input_args("x", demuxer="hls")


# ---- what a file may cost ---------------------------------------------------------------------------

def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=60)


@pytest.mark.django_db
def test_oversized_frames_are_refused_at_upload(user, tmp_path):
    # 8200 pixels wide in a few KB: past the 8192 limit, cheap to make.
    path = tmp_path / "wide.avi"
    _ffmpeg("-f", "lavfi", "-i", "color=black:size=8200x16:rate=5:duration=1", "-c:v", "ffv1", str(path))
    assert path.stat().st_size < 100_000
    response = token_client(user).post(
        LIST, {"file": SimpleUploadedFile("wide.avi", path.read_bytes()), "title": "wide"}, format="multipart"
    )
    message = assert_error(response, 400)["fields"]["file"][0]
    assert "too large: 8200×16 pixels" in message and "8192" in message


@pytest.mark.django_db
def test_too_many_streams_and_too_long_are_refused(user, tmp_path, settings):
    path = tmp_path / "streams.mkv"
    maps = [arg for _ in range(17) for arg in ("-map", "1:a")]
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=1", "-f", "lavfi", "-i", "sine=duration=1",
            "-map", "0:v", *maps, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(path))
    client = token_client(user)
    response = client.post(LIST, {"file": SimpleUploadedFile("s.mkv", path.read_bytes()), "title": "s"},
                           format="multipart")
    assert "18 streams; at most 16" in assert_error(response, 400)["fields"]["file"][0]

    settings.MAX_VIDEO_DURATION = 1
    clip = make_clip(tmp_path / "two.mp4", seconds=2.0)
    response = client.post(LIST, {"file": SimpleUploadedFile("two.mp4", clip.read_bytes()), "title": "t"},
                           format="multipart")
    assert "too long: 0:00:02; at most 0:00:01" in assert_error(response, 400)["fields"]["file"][0]


def test_a_pass_past_its_cpu_ceiling_ends_readably(tmp_path):
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-progress", "pipe:1", "-f", "lavfi",
           "-i", "testsrc2=size=1920x1080:rate=30:duration=120", "-c:v", "libx264", "-preset", "medium", "-f", "null", "-"]
    with pytest.raises(FFmpegError) as raised:
        for _ in run_ffmpeg(cmd, duration=120, stderr_path=tmp_path / "log", limits=Limits(cpu_seconds=2)):
            pass
    assert "more CPU time than allowed" in str(raised.value)
    assert "more CPU time than allowed" in transcode.failure_of(raised.value)[1]


def test_a_pass_past_its_memory_ceiling_ends_readably(tmp_path):
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-progress", "pipe:1", "-f", "lavfi",
           "-i", "testsrc2=size=1920x1080:rate=30:duration=5", "-c:v", "libx264", "-preset", "veryfast", "-f", "null", "-"]
    with pytest.raises(FFmpegError) as raised:
        for _ in run_ffmpeg(cmd, duration=5, stderr_path=tmp_path / "log", limits=Limits(memory_bytes=300 << 20)):
            pass
    assert "more memory than allowed" in str(raised.value)


def test_probe_limits_from_ffprobe_json():
    from videos.ffmpeg.probe import ProbeLimits, parse_probe

    def data(width=640, height=360, duration="10", streams=2, format_name="mov,mp4,m4a,3gp,3g2,mj2"):
        video = {"index": 0, "codec_type": "video", "codec_name": "h264", "width": width, "height": height}
        audio = [{"index": i, "codec_type": "audio", "codec_name": "aac"} for i in range(1, streams)]
        return {"streams": [video, *audio], "format": {"format_name": format_name, "duration": duration}}

    assert parse_probe(data()).demuxer == "mov"
    assert parse_probe(data(format_name="matroska,webm")).demuxer == "matroska"
    for bad, message in [
        (data(width=16384, height=16384), "too large: 16384×16384"),
        (data(streams=40), "40 streams"),
        (data(duration="90000"), "too long: 25:00:00"),
        (data(format_name="hls"), NOT_ACCEPTED),
        (data(format_name="concat"), NOT_ACCEPTED),
    ]:
        with pytest.raises(ProbeError, match=message):
            parse_probe(bad, ProbeLimits())
