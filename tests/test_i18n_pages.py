"""The pages in English and Simplified Chinese: what Django renders (templates, messages, the API's and the
converter's refusals) follows Accept-Language or the switcher's cookie, and the django catalogue is complete
and up to date with the code (makemessages finds nothing it lacks)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import VideoFactory
from videos.models import Video

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def page(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def assert_chinese(html, *phrases):
    assert '<html lang="zh-Hans">' in html
    for phrase in phrases:
        assert phrase in html, phrase


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def test_list_owner_studio_upload_and_login_pages_in_chinese(client, user):
    VideoFactory(owner=user, title="Harbour", visibility=Video.Visibility.PUBLIC)
    VideoFactory(owner=user, title="Diary", visibility=Video.Visibility.UNLISTED)
    assert_chinese(page(client, "/accounts/login/", **ZH), "<h1>登录</h1>", "用户名", "密码")
    assert_chinese(page(client, "/", **ZH), "<h1>视频</h1>", 'placeholder="搜索标题"', "分钟前")

    client.force_login(user)
    assert_chinese(page(client, "/", **ZH), "我的视频", "退出登录", "全部标为已读")
    assert_chinese(page(client, "/?q=harbour", **ZH), "1 个视频与“harbour”匹配")
    assert_chinese(page(client, "/u/alice/", **ZH), "alice 的视频", "你在这里可以看到自己的所有视频", "不公开")
    studio = page(client, "/studio/", **ZH)
    assert_chinese(studio, "<h1>我的视频</h1>", "取消转码", "可见范围", "排队中",
                   'data-confirm="要删除“Harbour”及其所有文件吗？此操作无法撤消。"', '<option value="private">私享</option>')
    assert 'data-role="edit-form"' in studio and 'data-visibility="unlisted"' in studio
    assert_chinese(page(client, "/studio/?q=nothing", **ZH), "你的视频中没有与“nothing”匹配的")
    assert_chinese(page(client, "/upload/", **ZH), "<h1>上传视频</h1>", "视频文件", "任何常见视频格式")


@pytest.mark.parametrize(
    ("fields", "phrases"),
    [
        ({"status": Video.Status.QUEUED}, ["正在等待处理节点…", "取消转码", "排队中"]),
        ({"status": Video.Status.FAILED, "error": "This file is not a video: it has no video track."},
         ["转码失败", "此文件不是视频：没有视频轨道。", "重试转码", "删除视频"]),
        ({"ready": True}, ["就绪", "删除视频", "文字稿", "还没有字幕。", "添加字幕"]),
    ],
    ids=["pending", "failed", "ready"],
)
def test_watch_page_of_an_owned_video_in_chinese(logged_in, user, fields, phrases):
    video = VideoFactory(owner=user, title="Harbour", **fields)
    html = page(logged_in, f"/videos/{video.pk}/", **ZH)
    assert_chinese(html, *phrases)
    assert 'data-confirm="要删除“Harbour”及其所有文件吗？此操作无法撤消。" data-confirm-button="删除"' in html


def test_pages_are_english_without_accept_language(client, user):
    video = VideoFactory(owner=user, title="Harbour", status=Video.Status.FAILED)
    html = page(client, "/")
    assert '<html lang="en">' in html and "<h1>Videos</h1>" in html and "Log in" in html
    client.force_login(user)
    assert "<h1>My videos</h1>" in page(client, "/studio/")
    html = page(client, f"/videos/{video.pk}/")
    assert "Transcoding failed" in html and "Retry transcode" in html and "Delete video" in html
    assert "<h1>Upload videos</h1>" in page(client, "/upload/")


def test_switcher_cookie_wins_over_accept_language(client):
    html = page(client, "/?q=lake", HTTP_ACCEPT_LANGUAGE="en")
    assert 'href="/language/zh-hans/?next=/%3Fq%3Dlake"' in html  # back to the same page
    assert "csrftoken" not in client.cookies  # a link: no CSRF token handed to every visitor
    response = client.get("/language/zh-hans/?next=/%3Fq%3Dlake", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/?q=lake"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert_chinese(page(client, "/", HTTP_ACCEPT_LANGUAGE="en"), "<h1>视频</h1>")
    client.get("/language/en/?next=/")
    assert "<h1>Videos</h1>" in page(client, "/", **ZH)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_switcher_never_sends_anyone_to_another_site(client, target):
    assert client.get("/language/zh-hans/", {"next": target})["Location"] == "/"


def test_switcher_refuses_a_language_we_do_not_have(client):
    assert client.get("/language/fr/?next=/").status_code == 404
    assert client.post("/language/en/?next=/").status_code == 405


def test_messages_after_a_page_action_are_chinese(logged_in, user):
    video = VideoFactory(owner=user, title="Harbour", status=Video.Status.READY)
    response = logged_in.post(f"/videos/{video.pk}/retry/", {"next": "/studio/"}, follow=True, **ZH)
    assert "只有失败或已取消的视频可以重试；该视频的状态为“就绪”。" in response.content.decode()
    response = logged_in.get("/?page=9", **ZH)
    assert response.status_code == 404 and "没有第 9 页：此列表共 1 页。" in response.content.decode()


def test_admin_actions_and_confirmation_are_chinese(admin_client, user):
    video = VideoFactory(owner=user, title="Harbour", status=Video.Status.FAILED)
    html = page(admin_client, "/admin/videos/video/", **ZH)
    assert "重新转码所选视频" in html and "失败（按原因）" in html
    response = admin_client.post("/admin/videos/video/", {"action": "retry_videos", "_selected_action": [video.pk]}, **ZH)
    assert "要将这些视频重新排队转码吗？" in response.content.decode() and "1 个视频" in response.content.decode()


def test_api_field_error_is_chinese(user):
    video = VideoFactory(owner=user)
    api = APIClient()
    api.force_authenticate(user)
    error = api.patch(f"/api/v1/videos/{video.pk}/", {"title": ""}, format="json", **ZH).json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["title"] == ["该字段不能为空。"]
    assert error["message"] == "title: 该字段不能为空。"
    english = api.patch(f"/api/v1/videos/{video.pk}/", {"title": ""}, format="json").json()["error"]
    assert english["fields"]["title"] == ["This field may not be blank."]


def _subtitle_upload(api, video, data: bytes, **headers):
    body = {"file": SimpleUploadedFile("upload.srt", data, content_type="application/octet-stream"), "language": "en"}
    return api.post(f"/api/v1/videos/{video.pk}/subtitles/", body, format="multipart", **headers)


def test_subtitle_refusals_are_chinese_with_their_specifics(user):
    video = VideoFactory(owner=user, ready=True)
    api = APIClient()
    api.force_authenticate(user)
    response = _subtitle_upload(api, video, PNG, **ZH)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"] == ["这是 PNG 图片，不是字幕文件。"]
    assert _subtitle_upload(api, video, PNG).json()["error"]["fields"]["file"] == [
        "This is a PNG image, not a subtitle file."
    ]
    broken = b"1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:0x:04,000\nWorld\n"
    message = _subtitle_upload(api, video, broken, **ZH).json()["error"]["fields"]["file"][0]
    assert re.fullmatch(r"第 6 行：时间轴行 '00:00:03,000 --> 00:0x:04,000' 格式错误；应类似 .+。", message), message
    language = _subtitle_upload(api, video, b"1\n00:00:01,000 --> 00:00:02,000\nHi\n", **ZH)
    assert language.status_code == 201, language.content


# The catalogues: complete, and the django one in step with the code.


def _entries(path: Path) -> list[dict]:
    """The entries of a .po file (header first): msgid, msgid_plural, msgstr[n] and the flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry, key = {"flags": ""}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line):
                key = match.group(1)
                entry[key] = match.group(2)
            else:
                entry[key] += line.strip()[1:-1]
        entries.append(entry)
    return entries


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.name)
def test_catalogue_is_fully_translated(path):
    entries = _entries(path)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Language: zh_Hans" in header["msgstr"] and "charset=UTF-8" in header["msgstr"]
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]
    assert messages
    assert [entry["msgid"] for entry in messages if "fuzzy" in entry["flags"]] == []
    untranslated = [entry["msgid"] for entry in messages
                    if not all(value for key, value in entry.items() if key.startswith("msgstr"))]
    assert untranslated == []
    if shutil.which("msgfmt"):  # placeholders of python-format entries match, and msgfmt counts them all
        result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(path)],
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert re.search(rf"^{len(messages)} translated messages\.$", result.stderr, re.MULTILINE), result.stderr


def _sources_copied(target: Path) -> None:
    """The project's templates and Python, as makemessages -d django reads them, without its locale dir."""
    root = Path(settings.BASE_DIR)
    skipped = {".git", ".venv", "frontend", "staticfiles", "locale", "node_modules", "vendor", "__pycache__"}
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if name not in skipped]
        for name in files:
            if name.endswith((".py", ".html", ".txt")):
                relative = Path(folder, name).relative_to(root)
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / relative, target / relative)


def test_django_catalogue_has_every_message_of_the_code(tmp_path, monkeypatch):
    """makemessages -d django -l zh_Hans --no-obsolete, as the catalogue is made, on a copy of the sources:
    the committed catalogue has every message of the code and none that is gone."""
    _sources_copied(tmp_path / "src")
    monkeypatch.chdir(tmp_path / "src")
    monkeypatch.setattr(settings, "LOCALE_PATHS", [str(tmp_path / "locale")])
    call_command("makemessages", domain="django", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    extracted = {entry["msgid"] for entry in _entries(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po")[1:]}
    committed = {entry["msgid"] for entry in _entries(LOCALE / "zh_Hans/LC_MESSAGES/django.po")[1:]}
    assert sorted(extracted - committed) == [], "run makemessages (tests/test_i18n_pages.py) and translate"
    assert sorted(committed - extracted) == [], "messages no longer in the code: run makemessages --no-obsolete"
