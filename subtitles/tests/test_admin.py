"""The subtitle inline on the video admin page: upload, refuse with the converter's message, delete."""

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from subtitles.admin import SubtitleInline
from subtitles.models import Subtitle
from videos.models import Video

from .corpus import CORPUS, SRT

pytestmark = pytest.mark.django_db


def _formset(video, staff_user, data=None, files=None):
    staff_user.is_superuser = True  # the admin's inline forms count as unchanged without add/change rights
    request = RequestFactory().post("/")
    request.user = staff_user
    formset_class = SubtitleInline(Video, admin.site).get_formset(request, video)
    return formset_class(data=data, files=files, instance=video, prefix="subtitles")


def _management(total: int, initial: int = 0) -> dict:
    return {
        "subtitles-TOTAL_FORMS": str(total), "subtitles-INITIAL_FORMS": str(initial),
        "subtitles-MIN_NUM_FORMS": "0", "subtitles-MAX_NUM_FORMS": "1000",
    }


def test_change_page_shows_the_inline(client, staff_user, video):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    response = client.get(f"/admin/videos/video/{video.pk}/change/")
    assert response.status_code == 200
    assert b'name="subtitles-TOTAL_FORMS"' in response.content and b"subtitles-__prefix__-upload" in response.content


def test_upload_through_the_inline_saves_with_the_services(staff_user, video):
    data = {**_management(1), "subtitles-0-language": "DE", "subtitles-0-kind": "subtitles",
            "subtitles-0-label": "Deutsch", "subtitles-0-is_default": "on"}
    files = {"subtitles-0-upload": SimpleUploadedFile("de.srt", SRT.encode())}
    formset = _formset(video, staff_user, data, files)
    assert formset.is_valid(), formset.errors
    formset.save()
    subtitle = Subtitle.objects.get(video=video)
    assert (subtitle.language, subtitle.label, subtitle.is_default, subtitle.cue_count) == ("de", "Deutsch", True, 2)
    assert [obj.pk for obj in formset.new_objects] == [subtitle.pk]

    change = {**_management(1, 1), "subtitles-0-id": str(subtitle.pk), "subtitles-0-video": str(video.pk),
              "subtitles-0-label": "German"}
    formset = _formset(video, staff_user, change, {})
    assert formset.is_valid(), formset.errors
    formset.save()
    subtitle.refresh_from_db()
    assert (subtitle.label, subtitle.is_default) == ("German", False)

    delete = {**change, "subtitles-0-DELETE": "on"}
    formset = _formset(video, staff_user, delete, {})
    assert formset.is_valid(), formset.errors
    formset.save()
    assert not Subtitle.objects.exists()


def test_inline_shows_the_converters_refusal(staff_user, video):
    data = {**_management(1), "subtitles-0-language": "en", "subtitles-0-kind": "subtitles"}
    files = {"subtitles-0-upload": SimpleUploadedFile("x.srt", CORPUS["srt_single_arrow"][0])}
    formset = _formset(video, staff_user, data, files)
    assert not formset.is_valid()
    assert formset.errors[0]["upload"] == [CORPUS["srt_single_arrow"][1].message]

    formset = _formset(video, staff_user, {**_management(1), "subtitles-0-language": "xx-yy-zz-!", "subtitles-0-kind": "subtitles"}, {})
    assert not formset.is_valid()
    assert set(formset.errors[0]) == {"language", "upload"}
