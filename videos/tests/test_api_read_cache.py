"""Cached API reads of videos (videos.read_cache): served without queries, never stale after a write,
never shared between readers who may see different things, and no harder failure when Redis is away."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from subtitles.models import Subtitle
from tests.api_support import make_ready_video, make_video, token_client
from videos import read_cache, services
from videos.models import Rendition, Video

pytestmark = pytest.mark.django_db

LIST = "/api/v1/videos/"


def detail(video) -> str:
    return f"/api/v1/videos/{video.pk}/"


def read(client, path) -> tuple[dict, int]:
    """The response body and how many queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return response.json(), len(queries)


def unsigned(page) -> list[dict]:
    """A list page without its signed URLs, which a rebuild signs again."""
    return [{key: value for key, value in item.items() if key != "poster_url"} for item in page["results"]]


def titles(body) -> list[str]:
    return [item["title"] for item in body["results"]]


@pytest.mark.parametrize("path", ["list", "detail"])
def test_a_repeated_read_takes_no_queries_and_gives_the_same_body(user, path):
    video = make_ready_video(user, title="Lisbon")
    url = LIST if path == "list" else detail(video)
    client = token_client(user)
    first, built = read(client, url)
    again, cached = read(client, url)
    assert built >= 1 and cached == 0
    assert again == first


def test_cache_off_builds_every_read(user, settings):
    settings.API_CACHE_SECONDS = 0
    make_ready_video(user)
    client = token_client(user)
    read(client, LIST)
    assert read(client, LIST)[1] >= 1


# Each write a list or detail shows, done the way the platform does it: saves, deletes with
# cascades, and the bulk QuerySet writes that send no model signals.
def _new_public_video(video, owner):
    make_ready_video(owner, title="Brand new")


def _patch_title(video, owner):
    services.video_update(video=video, title="Renamed")


def _progress_by_queryset_update(video, owner):
    Video.objects.filter(pk=video.pk).update(progress=55.5)  # how the transcode tracker persists progress


def _renditions_replaced(video, owner):
    video.renditions.all().delete()
    Rendition.objects.bulk_create([Rendition(video=video, name="1080p", width=1920, height=1080,
                                             bandwidth=5_000_000, playlist_key="x/1080p/index.m3u8")])


def _subtitle_added(video, owner):
    Subtitle.objects.create(video=video, language="pt-BR", label="Português", vtt_key="x/pt-BR.vtt")


def _owner_renamed(video, owner):
    owner.username = "alice-renamed"
    owner.save()


def _deleted(video, owner):
    services.video_delete(video=video)


# Each write with what it shows in: the list of another reader, the video's detail, or both.
WRITES = [
    (_new_public_video, {"list"}),
    (_patch_title, {"list", "detail"}),
    (_progress_by_queryset_update, {"list", "detail"}),
    (_renditions_replaced, {"detail"}),
    (_subtitle_added, {"detail"}),
    (_owner_renamed, {"list", "detail"}),
    (_deleted, {"list", "detail"}),
]


@pytest.mark.parametrize(("write", "shows_in"), WRITES, ids=lambda value: getattr(value, "__name__", "").strip("_"))
def test_every_kind_of_write_shows_in_the_next_read(user, other_user, write, shows_in):
    video = make_ready_video(user, title="Lisbon")
    client = token_client(other_user)
    before_list, _ = read(client, LIST)
    before_detail, _ = read(client, detail(video))
    write(video, user)
    after_list, queries = read(client, LIST)
    assert queries >= 1  # rebuilt, not served from the entry made before the write
    assert (unsigned(after_list) != unsigned(before_list)) == ("list" in shows_in)
    response = client.get(detail(video))
    if write is _deleted:
        assert response.status_code == 404
        assert after_list["results"] == []
        return
    after_detail = response.json()
    # Signed URLs are signed again on a rebuild: leave them out of the comparison.
    changed = {key for key in after_detail if after_detail[key] != before_detail[key]} - {"poster_url", "storyboard"}
    assert bool(changed) == ("detail" in shows_in), changed


def test_a_write_in_a_transaction_moves_the_generation_again_when_it_commits(user, django_capture_on_commit_callbacks):
    # A read that ran between the write and the commit saw the old rows and may have stored them
    # under the generation the write moved to; the second move, after the commit, retires them.
    video = make_video(user)
    start = read_cache.cache.get(read_cache.LISTS_KEY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Video.objects.filter(pk=video.pk).update(title="Changed")
        moved = read_cache.cache.get(read_cache.LISTS_KEY)
        assert moved > start
    assert len(callbacks) == 1
    callbacks[0]()
    assert read_cache.cache.get(read_cache.LISTS_KEY) > moved


def test_a_write_to_one_video_retires_every_list_but_only_that_videos_detail(user, other_user):
    busy, quiet = make_ready_video(user, title="Transcoding"), make_ready_video(user, title="Quiet")
    client = token_client(other_user)
    for path in (LIST, detail(busy), detail(quiet)):
        read(client, path)
    Video.objects.filter(pk=busy.pk).update(progress=42.0)  # what a running transcode does every second
    assert read(client, detail(quiet))[1] == 0
    assert read(client, detail(busy))[1] >= 1
    assert read(client, LIST)[1] >= 1
    Rendition.objects.filter(video=busy).update(bandwidth=1)  # a part of a video: the same
    assert read(client, detail(quiet))[1] == 0
    assert read(client, detail(busy))[0]["renditions"][0]["bandwidth"] == 1


def test_a_bulk_write_too_wide_to_name_its_videos_retires_every_detail(user, monkeypatch):
    monkeypatch.setattr(read_cache, "MAX_NAMED_VIDEOS", 1)
    videos = [make_ready_video(user, title=f"clip {index}") for index in range(3)]
    client = token_client(user)
    read(client, detail(videos[0]))
    Video.objects.filter(pk__in=[v.pk for v in videos[1:]]).update(description="bulk")
    assert read(client, detail(videos[0]))[1] >= 1


def test_readers_never_share_entries(user, other_user, staff_user, settings):
    settings.ALLOWED_HOSTS = ["testserver", "media.example.org"]
    private = make_video(user, title="Private of alice")
    unlisted = make_ready_video(user, title="Unlisted of alice", visibility=Video.Visibility.UNLISTED)
    make_ready_video(other_user, title="Public of bob")
    alice, bob, staff, anonymous = token_client(user), token_client(other_user), token_client(staff_user), APIClient()
    assert "Private of alice" in titles(read(alice, LIST)[0])
    for reader in (bob, anonymous):
        assert titles(read(reader, LIST)[0]) == ["Public of bob"]
    assert read(alice, detail(private))[0]["can_edit"] is True
    assert bob.get(detail(private)).status_code == 404
    assert anonymous.get(detail(private)).status_code == 404
    assert read(staff, detail(private))[0]["can_edit"] is True
    assert read(bob, detail(unlisted))[0]["can_edit"] is False
    # The same reader at another host gets URLs for that host, not the first host's.
    response = alice.get(LIST, HTTP_HOST="media.example.org")
    assert response.json()["results"][0]["url"].startswith("http://media.example.org/")


def test_a_staff_flag_given_or_taken_changes_what_the_same_account_reads(user, other_user):
    private = make_video(other_user, title="Private of bob")
    client = token_client(user)
    assert client.get(detail(private)).status_code == 404
    user.is_staff = True
    user.save()
    assert client.get(detail(private)).status_code == 200
    user.is_staff = False
    user.save()
    assert client.get(detail(private)).status_code == 404


def test_errors_are_built_every_time(user, other_user):
    hidden = make_video(user)
    client = token_client(other_user)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(detail(hidden)).status_code == 404
        assert len(queries) >= 1


def test_without_redis_reads_are_built_and_writes_still_succeed(user, settings, caplog):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"}}
    video = make_ready_video(user, title="Lisbon")
    client = token_client(user)
    assert titles(read(client, LIST)[0]) == ["Lisbon"]
    services.video_update(video=video, title="Porto")
    assert titles(read(client, LIST)[0]) == ["Porto"]
    assert "API read cache unavailable" in caplog.text
