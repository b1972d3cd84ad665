"""Create, replace, update and delete subtitles through the services: storage, rows and the event."""

import pytest
from django.core.files.storage import default_storage

from notifications.models import Notification
from subtitles import services
from subtitles.convert import SubtitleError
from subtitles.models import Subtitle
from videos import storage

from .corpus import CORPUS, SRT

pytestmark = pytest.mark.django_db


def test_create_stores_webvtt_beside_the_original_and_sends_subtitle_ready(video):
    subtitle, created = services.subtitle_save(
        video=video, language="pt_br", data=SRT.encode(), filename="My Film (PT).srt", label="Português"
    )
    assert created
    assert (subtitle.language, subtitle.kind, subtitle.label) == ("pt-BR", "subtitles", "Português")
    assert (subtitle.source_format, subtitle.source_encoding, subtitle.cue_count) == ("srt", "utf-8", 2)
    assert subtitle.vtt_key == storage.subtitle_vtt_key(video.pk, "pt-BR", "subtitles")
    assert subtitle.vtt_key == f"videos/{video.pk}/subtitles/pt-BR.subtitles.vtt"
    assert subtitle.original_key == f"videos/{video.pk}/subtitles/pt-BR.subtitles.original.srt"
    with default_storage.open(subtitle.vtt_key, "rb") as handle:
        assert handle.read().decode() == (
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello, world.\n\n"
            "00:00:03.000 --> 00:00:04.000\nTwo lines\nof text.\n"
        )
    with default_storage.open(subtitle.original_key, "rb") as handle:
        assert handle.read() == SRT.encode()
    notification = Notification.objects.get(recipient=video.owner, type="subtitle_ready")
    assert {key: notification.payload[key] for key in ("type", "video_id", "subtitle_id", "language")} == {
        "type": "subtitle_ready", "video_id": str(video.pk), "subtitle_id": subtitle.pk, "language": "pt-BR",
    }
    assert notification.payload["timestamp"]


def test_upload_of_same_language_and_kind_replaces(video, django_capture_on_commit_callbacks):
    first, _ = services.subtitle_save(video=video, language="en", data=SRT.encode(), filename="a.srt", label="English")
    ass, _ = CORPUS["ssa_v4"]
    with django_capture_on_commit_callbacks(execute=True):
        second, created = services.subtitle_save(video=video, language="en", data=ass, filename="b.ssa")
    assert not created and second.pk == first.pk
    assert Subtitle.objects.filter(video=video).count() == 1
    assert (second.source_format, second.label) == ("ssa", "English")  # the label is kept
    assert first.original_key.endswith(".original.srt") and not default_storage.exists(first.original_key)
    assert default_storage.exists(second.original_key) and second.original_key.endswith(".original.ssa")
    with default_storage.open(second.vtt_key, "rb") as handle:
        assert "Top centre, italic by style" in handle.read().decode()


def test_captions_and_subtitles_of_one_language_coexist_and_one_default_per_video(video):
    subtitles, _ = services.subtitle_save(video=video, language="en", data=SRT.encode(), is_default=True)
    captions, _ = services.subtitle_save(video=video, language="en", kind="captions", data=SRT.encode())
    assert subtitles.vtt_key != captions.vtt_key
    services.subtitle_update(subtitle=captions, is_default=True, label="English CC")
    subtitles.refresh_from_db()
    captions.refresh_from_db()
    assert (subtitles.is_default, captions.is_default, captions.label) == (False, True, "English CC")


def test_delete_removes_row_and_files(video, django_capture_on_commit_callbacks):
    subtitle, _ = services.subtitle_save(video=video, language="fr", data=SRT.encode(), filename="f.srt")
    with django_capture_on_commit_callbacks(execute=True):
        services.subtitle_delete(subtitle=subtitle)
    assert not Subtitle.objects.filter(pk=subtitle.pk).exists()
    assert not default_storage.exists(subtitle.vtt_key)
    assert not default_storage.exists(subtitle.original_key)


def test_refusals_store_nothing(video):
    with pytest.raises(SubtitleError) as caught:
        services.subtitle_save(video=video, language="klingon!", data=SRT.encode())
    assert caught.value.code == "language"
    with pytest.raises(SubtitleError) as caught:
        services.subtitle_save(video=video, language="en", data=b"")
    assert caught.value.code == "empty"
    assert not Subtitle.objects.exists() and not Notification.objects.exists()


def test_microdvd_uses_the_videos_frame_rate(video):
    video.fps = 10
    subtitle, _ = services.subtitle_save(video=video, language="en", data=b"{10}{20}One\n")
    with default_storage.open(subtitle.vtt_key, "rb") as handle:
        assert "00:00:01.000 --> 00:00:02.000\nOne" in handle.read().decode()


SAMI_THREE = (
    "<SAMI><HEAD><STYLE><!-- .ENCC { Name: English; lang: en-US; } .FRCC { Name: Français; lang: fr-FR; } --></STYLE>"
    "</HEAD><BODY>\n<SYNC Start=1000><P Class=ENCC>Hello<P Class=FRCC>Bonjour<P Class=XX>Hallo\n"
    "<SYNC Start=2000><P Class=ENCC>&nbsp;<P Class=FRCC>&nbsp;<P Class=XX>&nbsp;</BODY></SAMI>"
).encode()


def test_a_sami_file_of_several_languages_gives_a_subtitle_for_each(video, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved = services.subtitles_save(video=video, language="de", data=SAMI_THREE, filename="film.smi",
                                        label="Deutsch", is_default=True)
    rows = [(subtitle.language, subtitle.label, subtitle.is_default, subtitle.cue_count, created)
            for subtitle, created in saved]
    # The class naming no language is in the upload's language, first, with its label and default flag.
    assert rows == [("de", "Deutsch", True, 1, True), ("en-US", "English", False, 1, True),
                    ("fr-FR", "Français", False, 1, True)]
    for subtitle, _ in saved:
        assert subtitle.original_key == f"videos/{video.pk}/subtitles/{subtitle.language}.subtitles.original.smi"
        with default_storage.open(subtitle.vtt_key, "rb") as handle:
            text = {"de": "Hallo", "en-US": "Hello", "fr-FR": "Bonjour"}[subtitle.language]
            assert handle.read().decode() == f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n{text}\n"
    events = Notification.objects.filter(recipient=video.owner, type="subtitle_ready")
    assert sorted(event.payload["language"] for event in events) == ["de", "en-US", "fr-FR"]

    # Again: each language's subtitle is replaced, none added.
    again = services.subtitles_save(video=video, language="de", data=SAMI_THREE, filename="film.smi")
    assert [created for _, created in again] == [False, False, False]
    assert Subtitle.objects.filter(video=video).count() == 3


def test_a_part_of_a_sami_file_that_cannot_be_named_is_left_out_with_a_warning(video):
    subtitle, created = services.subtitle_save(video=video, language="en-US", data=SAMI_THREE)
    assert created and (subtitle.language, subtitle.label) == ("en-US", "English")
    assert sorted(Subtitle.objects.filter(video=video).values_list("language", flat=True)) == ["en-US", "fr-FR"]
    assert subtitle.warnings == [
        "The part of the file named 'XX' names no language, and the upload's (en-US) is taken; it was left out."
    ]


def test_the_upload_language_goes_to_the_first_part_naming_none_and_no_other(video):
    data = b"<SAMI><BODY><SYNC Start=1000><P Class=A>One<P Class=B>Two</BODY></SAMI>"
    saved = services.subtitles_save(video=video, language="en", data=data)
    assert [(subtitle.language, subtitle.label) for subtitle, _ in saved] == [("en", "A")]
    assert saved[0][0].warnings == [
        "The part of the file named 'B' names no language, and the upload's (en) is taken; it was left out."
    ]
