"""The upload page's Uppy in Chromium: files go up in parts through upload sessions, on daphne with
local storage (and straight to the S3 server, cross-origin), a page reloaded mid-upload resumes
without sending the stored parts again, and a 200 MB upload survives the network going away.

Skipped when no Chromium is installed (`apt-get install chromium`, or CHROMIUM=/path).
"""

import hashlib
import json
import math
import os
import re
import time
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage

from uploads.models import UploadPart, UploadSession
from videos.models import Video

from .browser import chromium_path
from .test_pages_browser import DaphneServer, browser, login, media_env, process_env, storage_kind  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed"),
]

MiB = 1024 * 1024
PART = 5 * MiB  # S3's smallest part: a clip of some MB has several
WATCH_PAGE = r"/^\/videos\/[0-9a-f-]{36}\/$/.test(location.pathname)"
# Content-Security-Policy violations, kept across the page's navigations in this tab.
CSP_RECORDER = (
    "document.addEventListener('securitypolicyviolation', e => sessionStorage.setItem('csp',"
    " (sessionStorage.getItem('csp') || '') + e.violatedDirective + ' ' + e.blockedURI + '\\n'))"
)
FILES_INPUT = '#uploader-dashboard input.uppy-Dashboard-input[name="files[]"]'
UPLOAD_BUTTON = "#uploader-dashboard .uppy-StatusBar-actionBtn--upload"
# Every PUT the page sends (Uppy's parts go by XMLHttpRequest): its URL, the status it got (0: it
# failed on the way) and the ETag the page could read; and the API calls (fetch) that failed. Kept
# across navigations in this tab.
PUT_RECORDER = """(() => {
  const open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
  window.putsInFlight = 0;
  XMLHttpRequest.prototype.open = function (method, url) {
    this._recorded = { method: String(method).toUpperCase(), url: new URL(url, location.href).href };
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    const put = this._recorded;
    if (put && put.method === "PUT") {
      window.putsInFlight++;
      this.addEventListener("loadend", () => {
        window.putsInFlight--;
        const puts = JSON.parse(sessionStorage.getItem("puts") || "[]");
        puts.push({ url: put.url, status: this.status, etag: this.getResponseHeader("ETag") });
        sessionStorage.setItem("puts", JSON.stringify(puts));
      });
    }
    return send.apply(this, arguments);
  };
  const fetch = window.fetch;  // the API calls: the part URLs, the stored parts, complete
  window.fetch = function (resource, options) {
    return fetch.apply(this, arguments).catch(error => {
      const failed = JSON.parse(sessionStorage.getItem("failed-fetches") || "[]");
      failed.push({ url: String(resource.url || resource), method: (options && options.method) || "GET" });
      sessionStorage.setItem("failed-fetches", JSON.stringify(failed));
      throw error;
    });
  };
})()"""


@pytest.fixture
def server(process_env, tmp_path):
    """daphne as in production, with 5 MiB parts; its access log names every request."""
    daphne = DaphneServer({**process_env, "UPLOAD_SESSION_PART_SIZE": str(PART)}, tmp_path / "daphne.log")
    daphne.start()
    yield daphne
    daphne.stop()


@pytest.fixture
def page(server, browser, user):
    """The upload page, signed in, with Uppy running in place of the plain form."""
    login(browser, server, user)
    browser.call("Page.addScriptToEvaluateOnNewDocument", source=CSP_RECORDER)
    browser.call("Page.addScriptToEvaluateOnNewDocument", source=PUT_RECORDER)
    open_uploader(browser, server)
    return browser


def open_uploader(browser, server):
    browser.navigate(f"{server.url}/upload/")
    browser.wait_for("!!(window.mediasite && window.mediasite.uppy)", timeout=15)
    assert browser.evaluate("document.getElementById('upload-form').hidden") is True
    assert browser.evaluate("document.getElementById('uploader').hidden") is False


def pick(browser, *paths):
    """Choose files in the Dashboard's file input, as a person does with its file dialog."""
    browser.wait_for(f"!!document.querySelector({json.dumps(FILES_INPUT)})", timeout=10)
    document = browser.call("DOM.getDocument")
    node = browser.call("DOM.querySelector", nodeId=document["root"]["nodeId"], selector=FILES_INPUT)
    assert node["nodeId"], "no file input in the Dashboard"
    browser.call("DOM.setFileInputFiles", nodeId=node["nodeId"], files=[str(path) for path in paths])


def click(browser, selector: str, timeout: float = 10):
    browser.wait_for(f"!!document.querySelector({json.dumps(selector)})", timeout=timeout)
    browser.evaluate(f"document.querySelector({json.dumps(selector)}).click()")


def files_meta(browser) -> list[dict]:
    return browser.evaluate("window.mediasite.uppy.getFiles().map(f => f.meta)")


def sha256(read) -> str:
    digest = hashlib.sha256()
    while chunk := read(MiB):
        digest.update(chunk)
    return digest.hexdigest()


def part_puts(log_text: str, session_id) -> list[tuple[int, int]]:
    """(part number, status) of every part PUT of the session in the server's access log, in order."""
    pattern = re.compile(rf"mediasite\.access \[[^]]*\] PUT /api/v1/uploads/{session_id}/parts/(\d+)/data (\d+)")
    return [(int(number), int(status)) for number, status in pattern.findall(log_text)]


def site_cors(origin: str, *, expose=("ETag",)) -> dict:
    """The bucket CORS rule of the README's "Resumable uploads", for the site at ORIGIN."""
    rule = {"AllowedOrigins": [origin], "AllowedMethods": ["GET", "HEAD", "PUT"], "AllowedHeaders": ["*"],
            "MaxAgeSeconds": 3600}  # fmt: skip
    return {"CORSRules": [{**rule, "ExposeHeaders": list(expose)} if expose else rule]}


def page_puts(browser) -> list[dict]:
    """The PUTs the page sent in this tab (PUT_RECORDER), in the order they ended."""
    return json.loads(browser.evaluate("sessionStorage.getItem('puts')") or "[]")


def part_number(url: str) -> int:
    """The part a recorded PUT was for: local part URLs have it in the path, S3's in the query."""
    match = re.search(r"/parts/(\d+)/data|[?&]partNumber=(\d+)", url)
    return int(match.group(1) or match.group(2))


def set_offline(browser, offline: bool) -> None:
    browser.call("Network.emulateNetworkConditions", offline=offline, latency=0, downloadThroughput=-1,
                 uploadThroughput=-1)  # fmt: skip


def padded_video(path, head, size: int):
    """HEAD (a real clip, moov first), then a top-level `free` box of random bytes up to SIZE bytes.

    ffprobe reads it as the clip; random padding makes every part differ, so that a part stored at
    the wrong place changes the file's SHA-256.
    """
    pad = size - head.stat().st_size
    with path.open("wb") as out:
        out.write(head.read_bytes())
        out.write((1).to_bytes(4, "big") + b"free" + pad.to_bytes(8, "big"))  # a 64-bit box size
        left = pad - 16
        while left:
            left -= out.write(os.urandom(min(MiB, left)))
    return path


def assert_stored_as_sent(video, clip):
    with default_storage.open(video.source.name, "rb") as stored, clip.open("rb") as sent:
        assert sha256(stored.read) == sha256(sent.read)


def assert_no_csp_violation(browser):
    assert browser.evaluate("sessionStorage.getItem('csp')") is None
    assert not [line for line in browser.console if "Error" in line], browser.console


@pytest.mark.parametrize("storage_kind", ["local", pytest.param("s3", marks=pytest.mark.s3)])
def test_one_file_goes_up_in_parts_then_its_watch_page_opens(request, storage_kind, page, server, user, clip_of):
    if storage_kind == "s3":
        bucket = request.getfixturevalue("s3_storage")  # this process reads the source where the server stored it
        s3 = request.getfixturevalue("s3_server")
        s3["client"].put_bucket_cors(Bucket=bucket, CORSConfiguration=site_cors(server.url))
    clip = clip_of(seconds=8, size="1280x720", preset="ultrafast", crf=0, name="Sea trip.mp4")  # ~14 MB
    assert clip.stat().st_size > 2 * PART
    pick(page, clip)
    page.wait_for("window.mediasite.uppy.getFiles().length === 1")
    assert files_meta(page)[0]["title"] == "Sea trip"  # the file's name by default

    # The title in the file's card, the visibility for every file on the page.
    click(page, "#uploader-dashboard .uppy-Dashboard-Item-action--edit")
    page.wait_for("!!document.getElementById('uppy-Dashboard-FileCard-input-title')")
    page.evaluate(
        "(() => { const input = document.getElementById('uppy-Dashboard-FileCard-input-title');"
        " input.value = 'Holiday at sea'; input.dispatchEvent(new Event('input', {bubbles: true}));"
        " return new Promise(rendered => requestAnimationFrame(() => setTimeout(rendered, 50))); })()"
    )  # Preact renders the card's new state on a later frame; saving before would save the old one
    click(page, "#uploader-dashboard .uppy-Dashboard-FileCard-actionsBtn[type=submit]")
    page.wait_for("window.mediasite.uppy.getFiles()[0].meta.title === 'Holiday at sea'", timeout=5)
    page.evaluate(
        "(() => { const select = document.getElementById('uploader-visibility'); select.value = 'unlisted';"
        " select.dispatchEvent(new Event('change')); })()"
    )
    assert files_meta(page)[0]["visibility"] == "unlisted"
    click(page, UPLOAD_BUTTON)

    page.wait_for(WATCH_PAGE, timeout=60)
    video = Video.objects.get()
    assert (video.title, video.visibility, video.owner, video.status) == (
        "Holiday at sea", "unlisted", user, Video.Status.QUEUED,
    )  # fmt: skip
    assert page.evaluate("location.pathname") == f"/videos/{video.pk}/"
    assert page.evaluate("document.querySelector('[data-role=status][data-status]').dataset.status") == "queued"
    assert_stored_as_sent(video, clip)
    session = UploadSession.objects.get()
    assert session.status == UploadSession.Status.COMPLETED and session.video_id == video.pk
    count = math.ceil(clip.stat().st_size / PART)
    assert session.part_count == count >= 3
    log = server.log_path.read_text()
    puts = page_puts(page)
    if storage_kind == "s3":
        assert part_puts(log, session.pk) == []  # the parts went straight to S3, none through Django
        # Cross-origin (the S3 server's origin is not the page's), allowed by the bucket's CORS rule,
        # which exposes each part's ETag to the page: S3's ETag of a part is its bytes' MD5.
        origins = {urlsplit(put["url"])[:2] for put in puts}
        assert origins == {urlsplit(s3["endpoint"])[:2]} != {urlsplit(server.url)[:2]}
        with clip.open("rb") as sent:
            md5s = [hashlib.md5(sent.read(PART), usedforsecurity=False).hexdigest() for _ in range(count)]
        read = sorted((part_number(put["url"]), put["status"], put["etag"]) for put in puts)
        assert read == [(n, 200, f'"{md5s[n - 1]}"') for n in range(1, count + 1)]
    else:
        assert sorted(part_puts(log, session.pk)) == [(n, 200) for n in range(1, count + 1)]
        assert sorted(part_number(put["url"]) for put in puts) == list(range(1, count + 1))
    # The part URLs came in one request, for all the parts sent at once.
    assert len(re.findall(rf"mediasite\.access \[[^]]*\] POST /api/v1/uploads/{session.pk}/part-urls/ 200", log)) == 1
    assert_no_csp_violation(page)


@pytest.mark.s3
@pytest.mark.parametrize("storage_kind", ["s3"])
def test_a_bucket_cors_rule_that_hides_the_etag_stops_the_upload_at_its_first_part(
    storage_kind, page, server, s3_server, s3_storage, clip_of
):
    s3_server["client"].put_bucket_cors(Bucket=s3_storage, CORSConfiguration=site_cors(server.url, expose=()))
    pick(page, clip_of(seconds=2, size="320x240", name="First.mp4"))  # one part
    page.wait_for("window.mediasite.uppy.getFiles().length === 1")
    click(page, UPLOAD_BUTTON)

    page.wait_for("(JSON.parse(sessionStorage.getItem('puts')) || []).length === 1", timeout=30)
    # S3 stored the part, but the page may not read its ETag: Uppy says so and goes no further.
    assert [(put["status"], put["etag"]) for put in page_puts(page)] == [(200, None)]
    page.wait_for("true", timeout=1)  # gathers the console messages sent meanwhile
    assert any("Could not read the ETag header" in line for line in page.console), page.console
    time.sleep(1)
    assert not Video.objects.exists()
    assert UploadSession.objects.get().status == UploadSession.Status.OPEN


def test_several_files_at_once_each_get_their_video_and_a_link(page, user, clip_of):
    clips = [clip_of(seconds=2, size="320x240", name="First.mp4"), clip_of(seconds=3, size="320x240", name="Second.mp4")]
    pick(page, *clips)
    page.wait_for("window.mediasite.uppy.getFiles().length === 2")
    click(page, UPLOAD_BUTTON)

    page.wait_for("document.querySelectorAll('#upload-results a').length === 2", timeout=60)
    videos = {video.title: video for video in Video.objects.all()}
    assert set(videos) == {"First", "Second"}
    links = page.evaluate(
        "Array.from(document.querySelectorAll('#upload-results a'), a => [a.textContent, a.getAttribute('href')])"
    )
    assert sorted(links) == [[title, f"/videos/{videos[title].pk}/"] for title in ("First", "Second")]
    assert page.evaluate("location.pathname") == "/upload/"  # several: the page stays, with the links
    for clip in clips:
        assert_stored_as_sent(videos[clip.stem], clip)
    assert all(video.visibility == Video.Visibility.PRIVATE for video in videos.values())  # the default
    assert_no_csp_violation(page)


def test_a_reload_mid_upload_resumes_without_sending_the_stored_parts_again(page, server, user, clip_of):
    clip = clip_of(seconds=24, size="1280x720", preset="ultrafast", crf=0, name="Long trip.mp4")  # ~40 MB
    count = math.ceil(clip.stat().st_size / PART)
    assert count >= 6
    # A slow uplink, so that the reload comes while parts are still on their way.
    page.call("Network.enable")
    page.call("Network.emulateNetworkConditions", offline=False, latency=0, downloadThroughput=-1,
              uploadThroughput=4 * MiB)  # fmt: skip
    pick(page, clip)
    page.wait_for("window.mediasite.uppy.getFiles().length === 1")
    click(page, UPLOAD_BUTTON)

    deadline = time.monotonic() + 60
    while UploadPart.objects.count() < count * 3 // 5:  # about 60 %
        assert time.monotonic() < deadline, f"no parts stored:\n{server.log_path.read_text()[-3000:]}"
        time.sleep(0.1)
    page.evaluate("window.beforeReload = true")
    page.call("Page.reload")
    stored_before = set(UploadPart.objects.values_list("number", flat=True))
    session = UploadSession.objects.get()
    assert session.status == UploadSession.Status.OPEN and len(stored_before) < count

    # Golden Retriever brings the file back; a file this large is not kept in the browser, so the
    # Dashboard asks for it again ("Add more"): the same file has the same Uppy id, and session.
    page.wait_for("!window.beforeReload && document.readyState === 'complete' && !!window.mediasite?.uppy", timeout=15)
    page.wait_for("window.mediasite.uppy.getFiles().length === 1", timeout=15)
    assert page.evaluate("window.mediasite.uppy.getFiles()[0].isGhost") is True
    page.wait_for("document.getElementById('uploader-dashboard').textContent.includes('re-select')", timeout=10)
    page.call("Network.emulateNetworkConditions", offline=False, latency=0, downloadThroughput=-1,
              uploadThroughput=-1)  # fmt: skip
    click(page, "#uploader-dashboard .uppy-DashboardContent-addMore")
    pick(page, clip)  # and nothing else: the upload carries on by itself

    page.wait_for(WATCH_PAGE, timeout=60)
    assert UploadSession.objects.get().pk == session.pk  # resumed, not started again
    video = Video.objects.get()
    assert video.pk == session.video_id and video.title == "Long trip"
    assert_stored_as_sent(video, clip)
    log = server.log_path.read_text()
    puts = part_puts(log, session.pk)
    stored = [number for number, status in puts if status == 200]
    assert sorted(stored) == list(range(1, count + 1)), puts  # every part stored once: none sent twice
    reloaded_at = log.index(f"GET /api/v1/uploads/{session.pk}/parts/")  # the resume asked what is stored
    resent = [n for n, _ in part_puts(log[reloaded_at:], session.pk) if n in stored_before]
    assert resent == [], (stored_before, puts)
    assert_no_csp_violation(page)


def test_pause_stops_the_parts_resume_goes_on_and_cancel_aborts_the_session(page, server, user, clip_of):
    clip = clip_of(seconds=24, size="1280x720", preset="ultrafast", crf=0, name="Long trip.mp4")
    page.call("Network.enable")
    page.call("Network.emulateNetworkConditions", offline=False, latency=0, downloadThroughput=-1,
              uploadThroughput=4 * MiB)  # fmt: skip
    pick(page, clip)
    page.wait_for("window.mediasite.uppy.getFiles().length === 1")
    click(page, UPLOAD_BUTTON)
    deadline = time.monotonic() + 60
    while not UploadPart.objects.exists():
        assert time.monotonic() < deadline, server.log_path.read_text()[-3000:]
        time.sleep(0.1)

    click(page, "#uploader-dashboard [data-cy=togglePauseResume]")  # pause: the parts on their way stop
    page.wait_for("window.mediasite.uppy.getFiles()[0].isPaused === true", timeout=5)
    time.sleep(1)
    paused_at = UploadPart.objects.count()
    time.sleep(3)
    assert UploadPart.objects.count() == paused_at
    click(page, "#uploader-dashboard [data-cy=togglePauseResume]")  # resume
    deadline = time.monotonic() + 30
    while UploadPart.objects.count() == paused_at:
        assert time.monotonic() < deadline, "no part after resuming"
        time.sleep(0.1)

    click(page, "#uploader-dashboard [data-cy=cancel]")
    session = UploadSession.objects.get()
    deadline = time.monotonic() + 15
    while session.status == UploadSession.Status.OPEN:
        assert time.monotonic() < deadline, "the session was not aborted"
        time.sleep(0.1)
        session.refresh_from_db()
    assert session.status == UploadSession.Status.ABORTED
    assert not UploadPart.objects.exists() and not Video.objects.exists()
    assert page.evaluate("window.mediasite.uppy.getFiles().length") == 0
    assert page.evaluate("location.pathname") == "/upload/"
    assert_no_csp_violation(page)


def test_a_200_mb_upload_that_goes_offline_at_40_percent_completes_when_back_with_each_part_stored_once(
    page, server, user, clip_of, tmp_path
):
    video_file = padded_video(tmp_path / "Offline trip.mp4", clip_of(seconds=2, size="640x360"), 200 * MiB)
    size = video_file.stat().st_size
    count = math.ceil(size / PART)  # 40 parts of 5 MiB, 6 on their way at a time
    page.call("Network.enable")  # network emulation applies only with the domain on
    pick(page, video_file)
    page.wait_for("window.mediasite.uppy.getFiles().length === 1")
    click(page, UPLOAD_BUTTON)

    deadline = time.monotonic() + 60
    while UploadPart.objects.count() < 0.4 * count:
        assert time.monotonic() < deadline, f"not at 40 % in time:\n{server.log_path.read_text()[-3000:]}"
        time.sleep(0.02)
    set_offline(page, True)
    assert page.evaluate("navigator.onLine") is False
    # Chromium's emulated offline fails the requests that start from now on; the PUTs already
    # sending their bytes finish. Once they have, nothing more gets through.
    page.wait_for("window.putsInFlight === 0", timeout=15, interval=0.05)
    stored_offline = UploadPart.objects.count()
    time.sleep(2)
    assert UploadPart.objects.count() == stored_offline < count
    # The upload tried to go on, and the network said no: a part PUT, or the request for the next
    # part URLs when the parts that had theirs were all sent.
    refused = [put for put in page_puts(page) if put["status"] == 0]
    failed_fetches = json.loads(page.evaluate("sessionStorage.getItem('failed-fetches')") or "[]")
    assert refused or failed_fetches, "nothing was refused while offline"
    set_offline(page, False)

    page.wait_for(WATCH_PAGE, timeout=60)  # Uppy resumed by itself when the browser came back online
    session = UploadSession.objects.get()
    video = Video.objects.get()
    assert (session.status, session.video_id, session.part_count) == (UploadSession.Status.COMPLETED, video.pk, count)
    assert (video.source_size, video.title, video.status) == (size, "Offline trip", Video.Status.QUEUED)
    assert_stored_as_sent(video, video_file)
    # Every part PUT that reached Django is in its access log with its status; 200 means stored.
    puts = part_puts(server.log_path.read_text(), session.pk)
    stored = sorted(number for number, status in puts if status == 200)
    assert stored == list(range(1, count + 1)), puts  # each part stored once: none sent twice
    refused_numbers = {part_number(put["url"]) for put in refused}
    assert refused_numbers <= {n for n, _ in puts}  # those went again once online, and only once
    assert_no_csp_violation(page)
    video_file.unlink()  # 200 MiB twice: not left in pytest's kept temporary folders
    default_storage.delete(video.source.name)
