"""A carrier's feed: its watermark, and when it counts as stale."""

from datetime import UTC, datetime, timedelta, timezone

from anbu.domain.kinds import Carrier
from anbu.domain.watermarks import Feed

KST = timezone(timedelta(hours=9))
HOUR = timedelta(hours=1)


def at(text: str) -> datetime:
    """An instant in Seoul time, written `YYYY-MM-DD HH:MM`."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=KST)


def feed() -> Feed:
    return Feed(Carrier.SKT)


def test_a_new_feed_has_no_watermark() -> None:
    assert feed().watermark is None


def test_the_watermark_follows_the_latest_event_when_nothing_is_declared() -> None:
    seen = feed().see(at("2026-11-20 09:00")).see(at("2026-11-20 11:00"))
    assert seen.watermark == at("2026-11-20 11:00")


def test_an_older_event_does_not_move_the_watermark_back() -> None:
    seen = feed().see(at("2026-11-20 11:00")).see(at("2026-11-20 09:00"))
    assert seen.watermark == at("2026-11-20 11:00")


def test_a_declared_watermark_wins_over_later_events() -> None:
    mixed = feed().see(at("2026-11-20 11:00")).declare(at("2026-11-20 10:00"))
    assert mixed.watermark == at("2026-11-20 10:00")


def test_events_after_a_declaration_do_not_move_the_watermark() -> None:
    mixed = feed().declare(at("2026-11-20 10:00")).see(at("2026-11-20 12:00"))
    assert mixed.watermark == at("2026-11-20 10:00")


def test_a_declaration_moves_the_watermark_forward() -> None:
    declared = feed().declare(at("2026-11-20 10:00")).declare(at("2026-11-20 10:05"))
    assert declared.watermark == at("2026-11-20 10:05")


def test_an_older_declaration_does_not_move_the_watermark_back() -> None:
    declared = feed().declare(at("2026-11-20 10:00")).declare(at("2026-11-20 09:00"))
    assert declared.watermark == at("2026-11-20 10:00")


def test_declarations_in_another_offset_are_compared_by_instant() -> None:
    # 00:30Z is 09:30 in Seoul: older than the 10:00 already declared.
    declared = (
        feed().declare(at("2026-11-20 10:00")).declare(datetime(2026, 11, 20, 0, 30, tzinfo=UTC))
    )
    assert declared.watermark == at("2026-11-20 10:00")


def test_it_expects_data_from_the_earliest_instant_given() -> None:
    expected = feed().expect_from(at("2026-11-20 10:00")).expect_from(at("2026-11-20 09:00"))
    assert expected.expect_from(at("2026-11-20 11:00")).expected_since == at("2026-11-20 09:00")


def test_it_becomes_stale_once_the_delay_after_its_watermark_has_passed() -> None:
    declared = feed().declare(at("2026-11-20 10:00"))
    assert declared.stale_since(HOUR) == at("2026-11-20 11:00")


def test_it_is_not_stale_exactly_at_the_allowed_delay() -> None:
    declared = feed().declare(at("2026-11-20 10:00"))
    assert not declared.is_stale(at("2026-11-20 11:00"), HOUR)


def test_it_is_stale_just_after_the_allowed_delay() -> None:
    declared = feed().declare(at("2026-11-20 10:00"))
    assert declared.is_stale(at("2026-11-20 11:00") + timedelta(seconds=1), HOUR)


def test_a_feed_judged_by_declarations_goes_stale_although_events_still_arrive() -> None:
    stalled = feed().declare(at("2026-11-20 10:00")).see(at("2026-11-20 12:00"))
    assert stalled.is_stale(at("2026-11-20 12:00"), HOUR)


def test_a_feed_that_never_reported_is_judged_from_when_data_was_expected() -> None:
    silent = feed().expect_from(at("2026-11-20 10:00"))
    assert (
        silent.is_stale(at("2026-11-20 11:00"), HOUR),
        silent.is_stale(at("2026-11-20 11:01"), HOUR),
    ) == (
        False,
        True,
    )


def test_a_feed_that_reported_is_judged_from_its_watermark_not_from_expectation() -> None:
    reported = feed().expect_from(at("2026-11-20 00:00")).see(at("2026-11-20 10:00"))
    assert not reported.is_stale(at("2026-11-20 10:30"), HOUR)


def test_a_feed_neither_reporting_nor_expected_is_never_stale() -> None:
    assert (feed().stale_since(HOUR), feed().is_stale(at("2099-01-01 00:00"), HOUR)) == (
        None,
        False,
    )
