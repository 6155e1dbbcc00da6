"""How long, as pages and commands say it (the one formatter: the pages' `duration`
filter, `anbu feeds list`, the demo): two units to the minute, `방금` for just now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anbu.entrypoints.durations import ago, duration
from anbu.entrypoints.web.templating import templates


@pytest.mark.parametrize(
    ("span", "korean", "english"),
    [
        (timedelta(seconds=40), "40초", "40 s"),
        (timedelta(hours=1, minutes=17, seconds=16.079160), "1시간 17분", "1 h 17 min"),
        (timedelta(days=3, hours=2, minutes=5), "3일 2시간", "3 d 2 h"),
        (timedelta(days=2), "2일", "2 d"),
        (timedelta(minutes=7), "7분", "7 min"),
        # The unit below the largest, or nothing: never days and minutes without hours.
        (timedelta(days=3, minutes=5), "3일", "3 d"),
        (timedelta(hours=2, seconds=30), "2시간", "2 h"),
    ],
)
def test_it_says_the_largest_unit_and_the_next_to_the_minute(
    span: timedelta, korean: str, english: str
) -> None:
    assert (duration(span, "ko"), duration(span, "en")) == (korean, english)


def test_it_says_a_dash_for_no_span_and_zero_for_a_negative_one() -> None:
    assert duration(None) == "—"
    assert duration(timedelta(seconds=-5)) == "0초"


def test_it_says_how_long_ago_and_just_now_under_a_minute() -> None:
    assert ago(timedelta(seconds=59)) == "방금"
    assert ago(timedelta(hours=5, minutes=2)) == "5시간 2분 전"
    assert ago(timedelta(hours=5), "en") == "5 h ago"
    assert ago(None) == "—"


def test_the_pages_say_it_the_same_way_in_the_viewers_language() -> None:
    filters = templates.env.filters
    assert "span" not in filters
    page = templates.env.from_string("{{ silent | duration(lang) }}")
    silent = timedelta(days=2, hours=3, minutes=4)
    assert page.render(silent=silent, lang="ko") == duration(silent) == "2일 3시간"
    assert page.render(silent=silent, lang="en") == "2 d 3 h"
    assert page.render(silent=None, lang="ko") == "—"
