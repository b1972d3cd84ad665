"""The `duration` template filter: seconds as the clock a player shows."""

import pytest
from django.template import Context, Template

from videos.templatetags.video_format import duration


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0:00"), (6, "0:06"), (6.9, "0:06"), (59.99, "0:59"), (60, "1:00"), (61.2, "1:01"),
        (599, "9:59"), (3599.9, "59:59"), (3600, "1:00:00"), (3661.5, "1:01:01"), (36000, "10:00:00"),
        (100 * 3600 + 5, "100:00:05"), ("12", "0:12"), ("75.5", "1:15"),
    ],
)  # fmt: skip
def test_seconds_become_a_clock(seconds, shown):
    assert duration(seconds) == shown


@pytest.mark.parametrize("unknown", [None, "", "abc", -1, float("nan"), float("inf"), [], object()])
def test_unknown_or_impossible_durations_show_nothing(unknown):
    assert duration(unknown) == ""


def test_filter_is_loadable_in_templates():
    rendered = Template("{% load video_format %}{{ seconds|duration }}").render(Context({"seconds": 4000}))
    assert rendered == "1:06:40"
