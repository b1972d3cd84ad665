"""My videos and the watch page's subtitles, in Chromium against daphne: edit in place, retry,
cancel and delete over the API, live status; subtitles added by choosing or dropping a file, the
converter's refusal shown where it was dropped, the default changed, a track deleted. Keyboard
where a person would use it: Enter on Edit, typing, Enter to save, Escape to close.
"""

import pytest

from notifications.events import TranscodeProgress
from notifications.services import event_publish
from subtitles.models import Subtitle
from tests.factories import VideoFactory
from videos.models import Video

from .browser import chromium_path
from .live_pages import ONLINE, browser, press, server  # noqa: F401 (fixtures)
from .test_pages_browser import login

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed"),
]


def row(video) -> str:
    return f"document.querySelector('.studio-row[data-video-id=\"{video.pk}\"]')"


def focus(browser, expression: str) -> None:
    browser.evaluate(f"{expression}.focus()")
    assert browser.evaluate(f"document.activeElement === {expression}") is True


def enter(browser):
    press(browser, "Enter", "Enter", 13, text="\r")


def escape(browser):
    press(browser, "Escape", "Escape", 27)


def type_into(browser, expression: str, text: str) -> None:
    """Select what the field holds and type over it, as a person would."""
    focus(browser, expression)
    browser.evaluate(f"{expression}.select()")
    browser.call("Input.insertText", text=text)


def test_studio_edits_a_video_in_place_with_the_keyboard(server, browser, user):
    video = VideoFactory(owner=user, title="Raw footage", description="", visibility="private", ready=True)
    login(browser, server, user)
    browser.navigate(f"{server.url}/studio/")
    browser.wait_for(ONLINE, timeout=15)
    r = row(video)

    # Enter on Edit opens the form with the title field focused.
    focus(browser, f"{r}.querySelector('summary')")
    enter(browser)
    browser.wait_for(f"document.activeElement === {r}.querySelector('input[name=title]')", timeout=5)
    type_into(browser, f"{r}.querySelector('input[name=title]')", "Harbour at dawn")
    type_into(browser, f"{r}.querySelector('textarea')", "Filmed from the pier.")
    browser.evaluate(f"(() => {{ const s = {r}.querySelector('select[name=visibility]'); s.value = 'unlisted';"
                     " s.dispatchEvent(new Event('change', {bubbles: true})); })()")
    focus(browser, f"{r}.querySelector('input[name=title]')")
    enter(browser)  # Enter in a field submits its form: studio.js sends the PATCH

    browser.wait_for(f"{r}.querySelector('[data-role=row-status]').textContent === 'Saved.'", timeout=10)
    assert browser.evaluate(f"{r}.querySelector('[data-role=title]').textContent") == "Harbour at dawn"
    assert browser.evaluate(f"{r}.querySelector('[data-role=description]').textContent") == "Filmed from the pier."
    assert browser.evaluate(f"{r}.querySelector('[data-role=visibility]').textContent") == "Unlisted"
    assert browser.evaluate(f"{r}.querySelector('details').open") is False
    assert browser.evaluate(f"document.activeElement === {r}.querySelector('summary')") is True
    video.refresh_from_db()
    assert (video.title, video.description, video.visibility) == ("Harbour at dawn", "Filmed from the pier.", "unlisted")

    # The API's refusal lands on the field it names; nothing is saved; Escape closes and resets.
    focus(browser, f"{r}.querySelector('summary')")
    enter(browser)
    browser.evaluate(f"{r}.querySelector('input[name=title]').removeAttribute('maxlength')")
    type_into(browser, f"{r}.querySelector('input[name=title]')", "x" * 201)
    enter(browser)
    error = f"{r}.querySelector('[data-error-for=title]')"
    browser.wait_for(f"!{error}.hidden", timeout=10)
    assert "200 characters" in browser.evaluate(f"{error}.textContent")
    assert browser.evaluate(f"{r}.querySelector('input[name=title]').getAttribute('aria-invalid')") == "true"
    escape(browser)
    assert browser.evaluate(f"{r}.querySelector('details').open") is False
    assert browser.evaluate(f"{r}.querySelector('input[name=title]').value") == "Harbour at dawn"
    video.refresh_from_db()
    assert video.title == "Harbour at dawn"


def test_studio_retries_cancels_and_deletes_in_place_and_follows_progress(server, browser, user, other_user):
    failed = VideoFactory(owner=user, title="Broken upload", status=Video.Status.FAILED, error="Source unreadable.")
    doomed = VideoFactory(owner=user, title="Delete me", ready=True)
    VideoFactory(owner=other_user, title="Not mine", ready=True, visibility="public")
    login(browser, server, user)
    browser.navigate(f"{server.url}/studio/")
    browser.wait_for(ONLINE, timeout=15)
    assert "Not mine" not in browser.evaluate("document.getElementById('studio-list').textContent")
    f = row(failed)
    retry, cancel = f"{f}.querySelector('[data-action=retry]')", f"{f}.querySelector('[data-action=cancel]')"
    assert browser.evaluate(f"{cancel}.hidden") is True

    browser.evaluate(f"{retry}.querySelector('button').click()")
    browser.wait_for(f"{f}.querySelector('[data-role=status]').dataset.status === 'queued'", timeout=10)
    assert browser.evaluate(f"[{retry}.hidden, {cancel}.hidden]") == [True, False]
    failed.refresh_from_db()
    assert failed.status == Video.Status.QUEUED

    # A worker's progress arrives live (the owner's group), then the owner cancels.
    # force: the retry's own state event a moment ago would have the throttle drop this tick.
    published = event_publish(
        TranscodeProgress(video_id=str(failed.pk), status="processing", stage="transcoding", progress=42.0),
        user_ids=[user.pk], force=True,
    )
    assert published
    browser.wait_for(f"{f}.querySelector('[data-role=status]').dataset.status === 'processing'", timeout=10)
    assert browser.evaluate(f"{f}.querySelector('[data-role=progress]').value") == 42
    browser.evaluate(f"{cancel}.querySelector('button').click()")
    browser.wait_for(f"{f}.querySelector('[data-role=row-status]').textContent === 'Cancelling the transcode.'",
                     timeout=10)
    # No worker took it (the progress above came from the test), so it is still queued in the
    # database and is cancelled at once; the row says so and offers the retry again.
    failed.refresh_from_db()
    assert failed.status == Video.Status.CANCELLED
    browser.wait_for(f"{f}.querySelector('[data-role=status]').dataset.status === 'cancelled'", timeout=10)
    assert browser.evaluate(f"[{retry}.hidden, {cancel}.hidden]") == [False, True]

    # Delete asks first, in a modal dialog: Escape keeps the video, the dialog's Delete removes it.
    d = row(doomed)
    dialog = "document.querySelector('dialog.confirm-dialog')"
    browser.evaluate(f"{d}.querySelector('[data-action=delete] button').click()")
    browser.wait_for(f"{dialog} && {dialog}.open", timeout=5)
    assert "Delete “Delete me” and all its files?" in browser.evaluate(f"{dialog}.textContent")
    assert browser.evaluate(f"document.activeElement === {dialog}.querySelector('[data-role=keep]')") is True
    escape(browser)
    browser.wait_for(f"!{dialog}.open", timeout=5)
    assert Video.objects.filter(pk=doomed.pk).exists()
    browser.evaluate(f"{d}.querySelector('[data-action=delete] button').click()")
    browser.wait_for(f"{dialog}.open", timeout=5)
    browser.evaluate(f"{dialog}.querySelector('[data-role=confirm]').click()")
    browser.wait_for(f"{d} === null", timeout=10)
    assert not Video.objects.filter(pk=doomed.pk).exists()
    assert "“Delete me” was deleted." in browser.evaluate("document.getElementById('toasts').textContent")
    assert browser.evaluate("document.activeElement.classList.contains('title')") is True


SRT = "1\n00:00:00,500 --> 00:00:02,000\nHello there\n\n2\n00:00:02,500 --> 00:00:04,000\nGeneral Kenobi\n"
DROP = """(name, text) => {{
  const zone = document.querySelector('#subtitle-manager [data-role=dropzone]');
  const data = new DataTransfer();
  data.items.add(new File([text], name, {{type: 'application/octet-stream'}}));
  zone.dispatchEvent(new DragEvent('dragover', {{dataTransfer: data, bubbles: true, cancelable: true}}));
  zone.dispatchEvent(new DragEvent('drop', {{dataTransfer: data, bubbles: true, cancelable: true}}));
}}"""


def drop(browser, name: str, text: str) -> None:
    import json

    browser.evaluate(f"({DROP.format()})({json.dumps(name)}, {json.dumps(text)})")


def test_subtitles_are_added_by_drop_refused_where_dropped_made_default_and_deleted(server, browser, user):
    video = VideoFactory(owner=user, title="With words", ready=True)
    manager = "document.getElementById('subtitle-manager')"
    items = f"Array.from({manager}.querySelectorAll('.subtitle-item'))"
    error = f"{manager}.querySelector('[data-role=error]').textContent"
    login(browser, server, user)
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.wait_for(f"!{manager}.hidden", timeout=15)
    assert browser.evaluate(f"{manager}.querySelector('[data-role=empty]').hidden") is False

    # Dropped before a language is given: the form asks for it and keeps the file.
    drop(browser, "greeting.srt", SRT)
    browser.wait_for(f"{error}.startsWith('Say which language “greeting.srt” is in')", timeout=5)
    assert browser.evaluate(f"document.activeElement === {manager}.querySelector('[name=language]')") is True
    browser.call("Input.insertText", text="en")
    enter(browser)
    browser.wait_for(f"{items}.length === 1", timeout=10)
    assert browser.evaluate(f"{manager}.querySelector('[data-role=status]').textContent") == "Added “en”: 2 cues."
    assert "2 cues" in browser.evaluate(f"{items}[0].textContent")

    # Something that is not a subtitle file: the converter's reason, where it was dropped.
    browser.evaluate(f"{manager}.querySelector('[name=language]').value = 'fr'")
    drop(browser, "holiday.jpg", "\u00ff\u00d8\u00ff\u00e0 JFIF binary junk \u0000\u0001")
    browser.wait_for(f"{error}.startsWith('“holiday.jpg” was not added: ')", timeout=10)
    assert len(browser.evaluate(error)) > len("“holiday.jpg” was not added: ") + 10
    assert Subtitle.objects.filter(video=video).count() == 1

    # A French captions track, then made the default; the English one loses the badge.
    browser.evaluate(
        f"(() => {{ const f = {manager}.querySelector('[data-role=upload]'); f.language.value = 'fr';"
        " f.kind.value = 'captions'; f.label.value = 'Français'; })()"
    )
    drop(browser, "bonjour.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour [rires]\n")
    browser.wait_for(f"{items}.length === 2", timeout=10)
    french = Subtitle.objects.get(video=video, language="fr")
    assert (french.kind, french.label, french.is_default) == ("captions", "Français", False)
    browser.evaluate(f"{manager}.querySelector('.subtitle-item[data-id=\"{french.pk}\"] [data-role=default]').click()")
    browser.wait_for(f"{manager}.querySelector('.subtitle-item[data-id=\"{french.pk}\"] .badge') !== null", timeout=10)
    french.refresh_from_db()
    assert french.is_default and not Subtitle.objects.get(video=video, language="en").is_default
    # The transcript beside it lists both tracks now.
    browser.wait_for("document.querySelectorAll('#transcript-track option').length === 2", timeout=10)

    # Delete asks first; confirmed, the track and its files go.
    browser.evaluate(f"{manager}.querySelector('.subtitle-item[data-id=\"{french.pk}\"] [data-role=delete]').click()")
    browser.wait_for("document.querySelector('dialog.confirm-dialog').open", timeout=5)
    browser.evaluate("document.querySelector('dialog.confirm-dialog [data-role=confirm]').click()")
    browser.wait_for(f"{items}.length === 1", timeout=10)
    assert not Subtitle.objects.filter(pk=french.pk).exists()
    assert browser.evaluate(f"{manager}.querySelector('[data-role=list-status]').textContent") == "Subtitles deleted."
