"""The subtitles REST API: upload every corpus file (WebVTT or a clear 400, never a 500), list, change, download, delete."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from subtitles.models import Subtitle
from videos.models import Video

from .conftest import make_video
from .corpus import CORPUS, SRT, Err, Ok

pytestmark = pytest.mark.django_db


def _url(video, suffix=""):
    return f"/api/v1/videos/{video.pk}/subtitles/{suffix}"


def _upload(client, video, data: bytes, *, name="upload.bin", **fields):
    body = {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream"), "language": "en"}
    body.update(fields)
    return client.post(_url(video), body, format="multipart")


def test_upload_list_read_download_delete(owner_client, video):
    response = _upload(owner_client, video, SRT.encode(), name="film.srt", language="en-gb", label="English (UK)")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/videos/{video.pk}/subtitles/{body['id']}/")
    assert {key: body[key] for key in ("language", "label", "kind", "is_default", "source_format",
                                       "source_encoding", "cue_count", "warnings")} == {
        "language": "en-GB", "label": "English (UK)", "kind": "subtitles", "is_default": False,
        "source_format": "srt", "source_encoding": "utf-8", "cue_count": 2, "warnings": [],
    }
    assert body["playlist_url"].endswith(f"/videos/{video.pk}/hls/subtitles/en-GB.subtitles.m3u8")
    assert body["url"].startswith("/media/videos/")

    listed = owner_client.get(_url(video)).json()
    assert [item["id"] for item in listed] == [body["id"]]
    assert owner_client.get(_url(video, f"{body['id']}/")).json()["label"] == "English (UK)"

    download = owner_client.get(_url(video, f"{body['id']}/download/"))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/vtt; charset=utf-8"
    assert 'filename="en-GB.subtitles.vtt"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n")
    original = owner_client.get(_url(video, f"{body['id']}/download/?original=true"))
    assert b"".join(original.streaming_content) == SRT.encode()

    patched = owner_client.patch(_url(video, f"{body['id']}/"), {"label": "British", "is_default": True}, format="json")
    assert (patched.status_code, patched.json()["label"], patched.json()["is_default"]) == (200, "British", True)

    assert owner_client.delete(_url(video, f"{body['id']}/")).status_code == 204
    assert owner_client.get(_url(video)).json() == []
    assert owner_client.get(_url(video, f"{body['id']}/")).status_code == 404


def test_second_upload_of_a_language_replaces_with_200(owner_client, video):
    first = _upload(owner_client, video, SRT.encode())
    second = _upload(owner_client, video, CORPUS["sbv_youtube"][0], name="x.sbv", language="EN")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"] and second.json()["source_format"] == "sbv"
    assert Subtitle.objects.filter(video=video).count() == 1


@pytest.mark.parametrize("name", [name for name, (_, expected) in CORPUS.items() if isinstance(expected, Ok)])
def test_every_good_corpus_file_uploads(owner_client, user, name):
    data, expected = CORPUS[name]
    video = make_video(user, fps=expected.fps, duration=expected.duration)
    response = _upload(owner_client, video, data)
    assert response.status_code == 201, response.content
    assert (response.json()["source_format"], response.json()["cue_count"]) == (expected.format, len(expected.cues))
    assert response.json()["warnings"] == expected.warnings


@pytest.mark.parametrize("name", [name for name, (_, expected) in CORPUS.items() if isinstance(expected, Err)])
def test_every_bad_corpus_file_is_a_clear_400(owner_client, user, settings, name):
    data, expected = CORPUS[name]
    if expected.max_bytes:
        settings.SUBTITLE_MAX_BYTES = expected.max_bytes
    video = make_video(user, fps=expected.fps)
    response = _upload(owner_client, video, data)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["fields"]["file"] == [expected.message]
    assert not Subtitle.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"language": "not a language"}, "language",
         "'not a language' is not a valid BCP-47 language tag (examples: en, pt-BR, zh-Hant)."),
        ({"language": ""}, "language", None),
        ({"kind": "karaoke"}, "kind", None),
        ({"file": ""}, "file", None),
    ],
)
def test_bad_fields_are_400(owner_client, video, fields, field, message):
    response = _upload(owner_client, video, SRT.encode(), **fields)
    assert response.status_code == 400, response.content
    errors = response.json()["error"]["fields"]
    assert field in errors
    if message:
        assert errors[field] == [message]


def test_oversized_upload_is_refused_while_streaming(owner_client, video, settings):
    settings.SUBTITLE_MAX_BYTES = 100_000
    response = _upload(owner_client, video, SRT.encode() * 3000)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"][0].endswith("subtitle files may be at most 98 KiB.")


def test_who_may_do_what(owner_client, user, other_user, video):
    created = _upload(owner_client, video, SRT.encode()).json()
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    assert stranger.get(_url(video)).status_code == 200  # public video: anyone reads
    assert APIClient().get(_url(video, f"{created['id']}/download/")).status_code == 200
    assert _upload(stranger, video, SRT.encode()).status_code == 403
    assert stranger.delete(_url(video, f"{created['id']}/")).status_code == 403
    assert _upload(APIClient(), video, SRT.encode()).status_code in (401, 403)

    private = make_video(user, visibility=Video.Visibility.PRIVATE)
    assert stranger.get(_url(private)).status_code == 404
    assert _upload(stranger, private, SRT.encode()).status_code == 404
    assert owner_client.get(_url(video, "999999/")).status_code == 404
    assert owner_client.get(_url(video, f"{10**30}/download/")).status_code == 404


def test_a_sami_upload_of_two_languages_answers_with_both(owner_client, video):
    data, _ = CORPUS["sami_two_languages"]
    upload = SimpleUploadedFile("film.smi", data, content_type="application/octet-stream")
    response = owner_client.post(_url(video), {"file": upload, "language": "en-US"}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["language"], body["label"], body["cue_count"]) == ("en-US", "English", 2)
    (other,) = body["other_subtitles"]
    assert (other["language"], other["label"], other["cue_count"]) == ("fr-FR", "French", 1)
    assert sorted(item["language"] for item in owner_client.get(_url(video)).json()) == ["en-US", "fr-FR"]
    download = owner_client.get(f"{_url(video)}{other['id']}/download/")
    assert b"".join(download.streaming_content) == b"WEBVTT\n\n00:00:01.000 --> 00:00:02.469\nBonjour\n"
