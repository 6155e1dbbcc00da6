"""How long, as pages and commands say it: two units to the minute, `방금` for just now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anbu.entrypoints.durations import ago, duration


@pytest.mark.parametrize(
    ("span", "korean", "english"),
    [
        (timedelta(seconds=40), "40초", "40 s"),
        (timedelta(hours=1, minutes=17, seconds=16.079160), "1시간 17분", "1 h 17 min"),
        (timedelta(days=3, hours=2, minutes=5), "3일 2시간", "3 d 2 h"),
        (timedelta(days=2), "2일", "2 d"),
        (timedelta(minutes=7), "7분", "7 min"),
    ],
)
def test_it_says_the_two_largest_units_to_the_minute(
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
