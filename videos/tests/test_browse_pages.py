"""The browse pages through the test client: search, pagination, owner pages, empty states, header.

Runs on PostgreSQL and on SQLite (DATABASE_URL=sqlite:///…): search must work on both.
"""

import re

import pytest
from django.contrib.auth.models import Group

from tests.factories import VideoFactory
from videos.models import Video
from videos.views import PAGE_SIZE

pytestmark = pytest.mark.django_db

PUBLIC, PRIVATE, UNLISTED = Video.Visibility.PUBLIC, Video.Visibility.PRIVATE, Video.Visibility.UNLISTED


def make_video(owner, title, visibility=PUBLIC, **fields):
    return VideoFactory(owner=owner, title=title, visibility=visibility, **fields)


def titles(response) -> list[str]:
    return re.findall(r'<a class="title" href="[^"]+">([^<]*)</a>', response.content.decode())


# ---- search ------------------------------------------------------------------------------------


@pytest.fixture
def zoo(user, other_user):
    for title in ("Cat video", "dog Video", "CAT and DOG", "Birds", "我的猫", "100% real", "1000 real", "a_b"):
        make_video(user, title)
    make_video(other_user, "Private cat", visibility=PRIVATE)
    make_video(other_user, "Unlisted cat", visibility=UNLISTED)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("cat", {"Cat video", "CAT and DOG"}),
        ("CAT dog", {"CAT and DOG"}),  # every word must match, in any order, any case
        ("dog   cat", {"CAT and DOG"}),
        ("video", {"Cat video", "dog Video"}),
        ("猫", {"我的猫"}),
        ("100%", {"100% real"}),  # % and _ are letters here, not LIKE wildcards
        ("_", {"a_b"}),
        ("zebra", set()),
        ("", {"Cat video", "dog Video", "CAT and DOG", "Birds", "我的猫", "100% real", "1000 real", "a_b"}),
    ],
)
def test_search_matches_every_title_word_ignoring_case(client, zoo, q, expected):
    response = client.get("/", {"q": q})
    assert response.status_code == 200
    assert set(titles(response)) == expected


def test_search_never_shows_what_the_viewer_may_not_list(client, zoo, user):
    client.force_login(user)
    assert titles(client.get("/", {"q": "cat"})) == ["CAT and DOG", "Cat video"]


def test_search_keeps_the_words_in_the_field_and_counts_matches(client, zoo):
    html = client.get("/", {"q": "  cat  "}).content.decode()
    assert 'name="q" value="cat"' in html  # the field shows the words searched for
    assert "2 videos match “cat”" in html
    assert 'role="search"' in html and 'name="q"' in html


def test_no_match_says_so_and_offers_the_whole_list(client, zoo):
    html = client.get("/", {"q": "zebra"}).content.decode()
    assert "No videos match “zebra”" in html
    assert 'href="/">see all videos</a>' in html


@pytest.mark.parametrize(
    ("q", "reason"),
    [
        ("cat\x00dog", "Null characters are not allowed."),
        ("x" * 201, "at most 200 characters"),
        (" ".join(["w"] * 11), "Search with at most 10 words."),
    ],
)
def test_hostile_searches_get_a_clear_400(client, zoo, q, reason):
    response = client.get("/", {"q": q})
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert titles(response) == []


def test_search_words_are_escaped_in_the_page(client, zoo):
    html = client.get("/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ---- pagination ----------------------------------------------------------------------------------


@pytest.fixture
def many(user):
    for index in range(PAGE_SIZE + 5):
        make_video(user, f"Paged clip {index:02d}")
    make_video(user, "Something else")


def test_pages_keep_the_search(client, many):
    first = client.get("/", {"q": "paged"})
    html = first.content.decode()
    assert len(titles(first)) == PAGE_SIZE and "Something else" not in html
    assert 'href="?q=paged&amp;page=2"' in html
    second = client.get("/", {"q": "paged", "page": 2})
    assert titles(second) == [f"Paged clip {index:02d}" for index in range(4, -1, -1)]
    assert "Page 2 of 2" in second.content.decode()


def test_no_video_is_on_two_pages_when_they_were_created_at_the_same_instant(client, user):
    videos = [make_video(user, f"Same instant {index:02d}") for index in range(PAGE_SIZE + 3)]
    Video.objects.filter(pk__in=[video.pk for video in videos]).update(created_at=videos[0].created_at)
    seen = titles(client.get("/")) + titles(client.get("/", {"page": 2}))
    assert sorted(seen) == sorted(video.title for video in videos)


@pytest.mark.parametrize(
    ("page", "status", "reason"),
    [
        ("abc", 400, "“abc” is not a page number."),
        ("1.5", 400, "“1.5” is not a page number."),
        ("999", 404, "There is no page 999: this list has 2 pages."),
        ("0", 404, "There is no page 0: this list has 2 pages."),
        ("-3", 404, "There is no page -3"),
        ("9" * 400, 404, "There is no page 99999999999999999999:"),
    ],
)
def test_a_bad_page_number_gets_a_clear_answer(client, many, page, status, reason):
    response = client.get("/", {"page": page})
    assert response.status_code == status
    html = response.content.decode()
    assert reason in html and "Go to the first page." in html
    assert titles(response) == []


# ---- durations -----------------------------------------------------------------------------------


def test_cards_show_durations_as_a_clock(client, user):
    make_video(user, "Short", ready=True, duration=6.4)
    make_video(user, "Long", ready=True, duration=3725.0)
    html = client.get("/").content.decode()
    assert '<span class="duration">0:06</span>' in html
    assert '<span class="duration">1:02:05</span>' in html
    assert " s</span>" not in html


# ---- empty states --------------------------------------------------------------------------------


def test_empty_list_asks_an_uploader_to_upload(client, user):
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'No videos yet — <a href="/upload/">upload one</a>.' in html


def test_empty_list_asks_a_visitor_to_log_in(client):
    html = client.get("/").content.decode()
    assert "No videos yet —" in html and "log in</a> to upload one." in html


def test_empty_list_for_a_viewer_who_cannot_upload(client, django_user_model):
    viewer = django_user_model.objects.create_user(username="viewer", password="pw-viewer-123")
    viewer.groups.set(Group.objects.none())
    client.force_login(viewer)
    html = client.get("/").content.decode()
    assert "No videos yet. Videos that people share publicly will appear here." in html
    assert "upload one" not in html


# ---- owner pages ---------------------------------------------------------------------------------


@pytest.fixture
def alices(user, other_user):
    make_video(user, "Alice public")
    make_video(user, "Alice private", visibility=PRIVATE)
    make_video(user, "Alice unlisted", visibility=UNLISTED)
    make_video(other_user, "Bob public")


ALL_OF_ALICE = {"Alice public", "Alice private", "Alice unlisted"}


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [(None, {"Alice public"}), ("other_user", {"Alice public"}), ("user", ALL_OF_ALICE), ("staff_user", ALL_OF_ALICE)],
)
def test_owner_page_lists_public_videos_and_all_for_the_owner_and_staff(request, client, alices, viewer, expected):
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    response = client.get("/u/alice/")
    assert response.status_code == 200
    assert set(titles(response)) == expected
    assert "Videos by alice" in response.content.decode()


def test_owner_page_of_nobody_is_404(client):
    assert client.get("/u/nobody/").status_code == 404


def test_owner_page_searches_that_owners_videos_only(client, alices, user):
    client.force_login(user)
    assert titles(client.get("/u/alice/", {"q": "PUBLIC"})) == ["Alice public"]
    html = client.get("/u/alice/", {"q": "zebra"}).content.decode()
    assert "No videos of alice match “zebra”" in html


def test_owner_page_empty_states(client, user, other_user):
    client.force_login(user)
    assert "You have no videos yet — <a href=\"/upload/\">upload one</a>." in client.get("/u/alice/").content.decode()
    assert "bob has no public videos yet." in client.get("/u/bob/").content.decode()


def test_owner_page_queries_do_not_grow_with_videos(client, user, django_assert_max_num_queries):
    client.force_login(user)
    make_video(user, "One", ready=True)
    with django_assert_max_num_queries(10) as few:
        client.get("/u/alice/")
    for index in range(10):
        make_video(user, f"More {index}", ready=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/u/alice/")


def test_cards_link_to_their_owner_page(client, alices):
    assert 'href="/u/bob/">bob</a>' in client.get("/").content.decode()


# ---- header --------------------------------------------------------------------------------------


def test_header_has_a_bell_button_with_its_panel_and_the_users_page(client, user):
    client.force_login(user)
    html = client.get("/").content.decode()
    bell = re.search(r'<button[^>]*id="notification-bell"[^>]*>', html).group(0)
    assert 'aria-expanded="false"' in bell and 'aria-controls="notification-panel"' in bell
    assert re.search(r'<section id="notification-panel"[^>]*hidden', html)
    assert 'data-poll-seconds="10"' in html
    assert 'href="/u/alice/"' in html
    assert "js/notification-panel.js" in html


def test_poll_interval_follows_the_setting(client, user, settings):
    settings.NOTIFICATIONS_POLL_SECONDS = 3
    client.force_login(user)
    assert 'data-poll-seconds="3"' in client.get("/").content.decode()


def test_browse_pages_have_no_inline_scripts(client, alices, user):
    from .test_pages import assert_no_inline_script

    client.force_login(user)
    for url in ("/?q=alice", "/u/alice/", "/u/bob/?q=zebra", "/?page=7"):
        assert_no_inline_script(client.get(url))
