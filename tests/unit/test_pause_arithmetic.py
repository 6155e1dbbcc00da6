"""`limit_instant`: when a period of unpaused time has passed since a base instant."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from anbu.domain.pauses import Pause, limit_instant
from anbu.domain.wording import Message, MessageError

KST = timezone(timedelta(hours=9))
DAY = timedelta(days=1)


def at(text: str) -> datetime:
    """An instant in Seoul time, written `YYYY-MM-DD HH:MM`."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=KST)


def pause(starts: str, ends: str | None = None) -> Pause:
    return Pause(at(starts), at(ends) if ends is not None else None)


BASE = at("2026-11-20 09:00")


def test_it_adds_the_period_when_nothing_is_paused() -> None:
    assert limit_instant(BASE, 2 * DAY, []) == at("2026-11-22 09:00")


def test_it_ignores_a_pause_that_ended_before_the_base() -> None:
    earlier = pause("2026-11-10 00:00", "2026-11-15 00:00")
    assert limit_instant(BASE, 2 * DAY, [earlier]) == at("2026-11-22 09:00")


def test_it_ignores_a_pause_that_ends_exactly_at_the_base() -> None:
    touching = pause("2026-11-19 09:00", "2026-11-20 09:00")
    assert limit_instant(BASE, 2 * DAY, [touching]) == at("2026-11-22 09:00")


def test_it_counts_only_the_part_of_a_straddling_pause_after_the_base() -> None:
    straddling = pause("2026-11-19 09:00", "2026-11-20 12:00")
    assert limit_instant(BASE, 2 * DAY, [straddling]) == at("2026-11-22 12:00")


def test_it_pushes_the_limit_by_a_pause_inside_the_period() -> None:
    hospital = pause("2026-11-21 00:00", "2026-11-24 00:00")
    assert limit_instant(BASE, 2 * DAY, [hospital]) == at("2026-11-25 09:00")


def test_it_adds_several_separate_pauses() -> None:
    pauses = [
        pause("2026-11-20 10:00", "2026-11-20 12:00"),
        pause("2026-11-21 10:00", "2026-11-21 11:00"),
    ]
    assert limit_instant(BASE, 2 * DAY, pauses) == at("2026-11-22 12:00")


def test_it_counts_overlapping_pauses_once() -> None:
    pauses = [
        pause("2026-11-20 10:00", "2026-11-20 12:00"),
        pause("2026-11-20 11:00", "2026-11-20 13:00"),
    ]
    assert limit_instant(BASE, 2 * DAY, pauses) == at("2026-11-22 12:00")


def test_it_counts_a_pause_nested_in_another_once() -> None:
    pauses = [
        pause("2026-11-20 10:00", "2026-11-20 14:00"),
        pause("2026-11-20 11:00", "2026-11-20 12:00"),
    ]
    assert limit_instant(BASE, 2 * DAY, pauses) == at("2026-11-22 13:00")


def test_it_accepts_pauses_in_any_order() -> None:
    pauses = [
        pause("2026-11-21 10:00", "2026-11-21 11:00"),
        pause("2026-11-20 10:00", "2026-11-20 12:00"),
    ]
    assert limit_instant(BASE, 2 * DAY, pauses) == at("2026-11-22 12:00")


def test_a_pause_that_starts_exactly_at_the_limit_does_not_push_it() -> None:
    later = pause("2026-11-22 09:00", "2026-11-25 09:00")
    assert limit_instant(BASE, 2 * DAY, [later]) == at("2026-11-22 09:00")


def test_a_pause_that_starts_a_minute_before_the_limit_pushes_it() -> None:
    later = pause("2026-11-22 08:59", "2026-11-22 10:00")
    assert limit_instant(BASE, 2 * DAY, [later]) == at("2026-11-22 10:01")


def test_an_open_ended_pause_within_the_period_means_no_limit() -> None:
    assert limit_instant(BASE, 2 * DAY, [pause("2026-11-21 00:00")]) is None


def test_an_open_ended_pause_begun_before_the_base_means_no_limit() -> None:
    assert limit_instant(BASE, 2 * DAY, [pause("2026-11-01 00:00")]) is None


def test_an_open_ended_pause_from_the_limit_on_leaves_the_limit() -> None:
    assert limit_instant(BASE, 2 * DAY, [pause("2026-11-22 09:00")]) == at("2026-11-22 09:00")


def test_it_compares_pauses_written_in_another_offset_by_instant() -> None:
    # 2026-11-21 01:00Z is 10:00 in Seoul: one hour of pause.
    utc = Pause(datetime(2026, 11, 21, 1, tzinfo=UTC), datetime(2026, 11, 21, 2, tzinfo=UTC))
    assert limit_instant(BASE, 2 * DAY, [utc]) == at("2026-11-22 10:00")


@pytest.mark.parametrize("ends", ["2026-11-20 09:00", "2026-11-20 08:00"])
def test_a_pause_must_end_after_it_starts(ends: str) -> None:
    # A ValueError still, as callers catch it, with its words for the reader.
    with pytest.raises(MessageError) as refused:
        pause("2026-11-20 09:00", ends)
    assert isinstance(refused.value, ValueError)
    assert refused.value.reason == Message("pause.ends_before_start")


def test_a_pause_covers_its_start_but_not_its_end() -> None:
    trip = pause("2026-11-20 09:00", "2026-11-21 09:00")
    assert (trip.covers(at("2026-11-20 09:00")), trip.covers(at("2026-11-21 09:00"))) == (
        True,
        False,
    )


def test_an_open_ended_pause_covers_everything_after_its_start() -> None:
    assert pause("2026-11-20 09:00").covers(at("2030-01-01 00:00"))
