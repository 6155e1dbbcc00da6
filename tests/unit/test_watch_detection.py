"""`Watch`: when a subject owes a `no_activity` or a `phone_off` alert, and for which episode."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from anbu.domain.activity import LifeRules
from anbu.domain.detection import Overdue, Watch, record_all
from anbu.domain.kinds import ActivityKind, AlertKind
from anbu.domain.pauses import Pause

KST = timezone(timedelta(hours=9))
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
CONSENT = "2026-11-20 09:00"


def at(text: str) -> datetime:
    """An instant in Seoul time, written `YYYY-MM-DD HH:MM`."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=KST)


def watch(
    consent: str = CONSENT,
    inactivity: timedelta = 48 * HOUR,
    phone_off_limit: timedelta = 24 * HOUR,
    pauses: tuple[Pause, ...] = (),
) -> Watch:
    return Watch(at(consent), inactivity, phone_off_limit, pauses)


def seen(
    start: Watch,
    *events: tuple[ActivityKind, str] | tuple[ActivityKind, str, int | None],
    rules: LifeRules | None = None,
) -> Watch:
    """`start` after recording events given as (kind, "YYYY-MM-DD HH:MM"[, duration_s])."""
    triples = [(e[0], at(e[1]), e[2] if len(e) == 3 else None) for e in events]
    return record_all(start, triples, rules or LifeRules())


def pending_of(subject: Watch, kind: AlertKind) -> Overdue | None:
    found = [o for o in subject.pending() if o.kind is kind]
    assert len(found) <= 1
    return found[0] if found else None


def silence(subject: Watch) -> Overdue | None:
    return pending_of(subject, AlertKind.NO_ACTIVITY)


def phone_off(subject: Watch) -> Overdue | None:
    return pending_of(subject, AlertKind.PHONE_OFF)


# --- silence: no_activity ------------------------------------------------------------------


def test_silence_counts_from_consent_before_any_event() -> None:
    assert silence(watch()) == Overdue(AlertKind.NO_ACTIVITY, at("2026-11-22 09:00"), at(CONSENT))


def test_silence_counts_from_the_last_sign_of_life() -> None:
    called = seen(watch(), (ActivityKind.CALL_OUT, "2026-11-21 14:00"))
    assert silence(called) == Overdue(
        AlertKind.NO_ACTIVITY, at("2026-11-23 14:00"), at("2026-11-21 14:00")
    )


def test_silence_never_counts_from_before_consent() -> None:
    before = seen(watch(), (ActivityKind.CALL_OUT, "2026-11-19 09:00"))
    assert silence(before) == Overdue(AlertKind.NO_ACTIVITY, at("2026-11-22 09:00"), at(CONSENT))


def test_it_is_not_overdue_a_second_before_the_limit() -> None:
    assert watch().overdue(at("2026-11-22 09:00") - SECOND) == []


def test_it_is_overdue_when_the_watermark_reaches_the_limit_exactly() -> None:
    assert [o.kind for o in watch().overdue(at("2026-11-22 09:00"))] == [AlertKind.NO_ACTIVITY]


def test_paused_time_does_not_count_as_silence() -> None:
    stay = Pause(at("2026-11-21 09:00"), at("2026-11-22 09:00"))
    assert silence(watch(pauses=(stay,))) == Overdue(
        AlertKind.NO_ACTIVITY, at("2026-11-23 09:00"), at(CONSENT)
    )


def test_an_open_ended_pause_owes_no_silence_alert() -> None:
    assert silence(watch(pauses=(Pause(at("2026-11-21 09:00")),))) is None


@pytest.mark.parametrize(
    "event",
    [
        (ActivityKind.SMS_IN, "2026-11-21 09:00"),
        (ActivityKind.CALL_IN, "2026-11-21 09:00", 0),
        (ActivityKind.DATA, "2026-11-21 09:00"),
        (ActivityKind.POWER_OFF, "2026-11-21 09:00"),
    ],
)
def test_traces_that_are_not_signs_of_life_leave_the_silence_running(
    event: tuple[ActivityKind, str] | tuple[ActivityKind, str, int],
) -> None:
    assert silence(seen(watch(), event)) == silence(watch())


def test_data_ends_the_silence_when_configured_to() -> None:
    browsing = seen(
        watch(), (ActivityKind.DATA, "2026-11-21 09:00"), rules=LifeRules(data_counts=True)
    )
    assert silence(browsing) == Overdue(
        AlertKind.NO_ACTIVITY, at("2026-11-23 09:00"), at("2026-11-21 09:00")
    )


def test_an_older_sign_of_life_arriving_late_changes_nothing() -> None:
    late = seen(
        watch(),
        (ActivityKind.CALL_OUT, "2026-11-21 14:00"),
        (ActivityKind.SMS_OUT, "2026-11-21 10:00"),
    )
    assert silence(late) == Overdue(
        AlertKind.NO_ACTIVITY, at("2026-11-23 14:00"), at("2026-11-21 14:00")
    )


def test_signs_of_life_in_other_offsets_are_compared_by_instant() -> None:
    # 2026-11-21 01:00Z is 10:00 in Seoul, an hour after the 09:00 call.
    called = seen(watch(), (ActivityKind.CALL_OUT, "2026-11-21 09:00"))
    texted = called.record(
        ActivityKind.SMS_OUT, datetime(2026, 11, 21, 1, tzinfo=UTC), None, LifeRules()
    )
    assert silence(texted) == Overdue(
        AlertKind.NO_ACTIVITY, at("2026-11-23 10:00"), at("2026-11-21 10:00")
    )


# --- phone_off -----------------------------------------------------------------------------


def test_a_subject_whose_phone_never_went_off_owes_no_phone_off_alert() -> None:
    assert phone_off(watch()) is None


def test_a_phone_off_episode_starts_at_the_latest_power_off() -> None:
    off = seen(
        watch(),
        (ActivityKind.POWER_OFF, "2026-11-20 20:00"),
        (ActivityKind.POWER_OFF, "2026-11-20 22:00"),
    )
    assert phone_off(off) == Overdue(
        AlertKind.PHONE_OFF, at("2026-11-21 22:00"), at("2026-11-20 22:00")
    )


def test_a_power_on_after_the_power_off_ends_the_episode() -> None:
    back = seen(
        watch(),
        (ActivityKind.POWER_OFF, "2026-11-20 20:00"),
        (ActivityKind.POWER_ON, "2026-11-20 21:00"),
    )
    assert phone_off(back) is None


@pytest.mark.parametrize(
    "event",
    [
        (ActivityKind.CALL_OUT, "2026-11-20 21:00", 0),
        (ActivityKind.CALL_IN, "2026-11-20 21:00", 12),
        (ActivityKind.SMS_OUT, "2026-11-20 21:00", None),
        (ActivityKind.CHECKIN, "2026-11-20 21:00", None),
        (ActivityKind.DATA, "2026-11-20 21:00", None),
    ],
)
def test_evidence_of_the_phone_on_after_the_power_off_ends_the_episode(
    event: tuple[ActivityKind, str, int | None],
) -> None:
    assert phone_off(seen(watch(), (ActivityKind.POWER_OFF, "2026-11-20 20:00"), event)) is None


@pytest.mark.parametrize(
    "event",
    [
        (ActivityKind.CALL_IN, "2026-11-20 21:00", 0),
        (ActivityKind.SMS_IN, "2026-11-20 21:00", None),
    ],
)
def test_a_missed_call_or_an_arriving_text_does_not_end_the_episode(
    event: tuple[ActivityKind, str, int | None],
) -> None:
    off = seen(watch(), (ActivityKind.POWER_OFF, "2026-11-20 20:00"), event)
    assert phone_off(off) == Overdue(
        AlertKind.PHONE_OFF, at("2026-11-21 20:00"), at("2026-11-20 20:00")
    )


def test_a_power_on_before_the_latest_power_off_does_not_end_the_episode() -> None:
    flapping = seen(
        watch(),
        (ActivityKind.POWER_OFF, "2026-11-20 20:00"),
        (ActivityKind.POWER_ON, "2026-11-20 20:01"),
        (ActivityKind.POWER_OFF, "2026-11-20 20:02"),
    )
    assert phone_off(flapping) == Overdue(
        AlertKind.PHONE_OFF, at("2026-11-21 20:02"), at("2026-11-20 20:02")
    )


def test_a_power_on_at_the_same_instant_as_the_power_off_counts_as_on() -> None:
    same = seen(
        watch(),
        (ActivityKind.POWER_OFF, "2026-11-20 20:00"),
        (ActivityKind.POWER_ON, "2026-11-20 20:00"),
    )
    assert phone_off(same) is None


def test_a_phone_off_since_before_consent_counts_from_consent() -> None:
    off = seen(watch(), (ActivityKind.POWER_OFF, "2026-11-19 20:00"))
    assert phone_off(off) == Overdue(AlertKind.PHONE_OFF, at("2026-11-21 09:00"), at(CONSENT))


def test_paused_time_does_not_count_while_the_phone_is_off() -> None:
    stay = Pause(at("2026-11-21 00:00"), at("2026-11-21 06:00"))
    off = seen(watch(pauses=(stay,)), (ActivityKind.POWER_OFF, "2026-11-20 20:00"))
    assert phone_off(off) == Overdue(
        AlertKind.PHONE_OFF, at("2026-11-22 02:00"), at("2026-11-20 20:00")
    )


# --- one alert per episode -----------------------------------------------------------------


def test_an_alerted_episode_is_not_owed_again() -> None:
    quiet = watch()
    (due,) = quiet.overdue(at("2026-11-22 09:00"))
    assert quiet.alerted(due).overdue(at("2026-12-31 00:00")) == []


def test_a_sign_of_life_after_the_alert_starts_a_new_episode() -> None:
    quiet = watch()
    (due,) = quiet.overdue(at("2026-11-22 09:00"))
    again = seen(quiet.alerted(due), (ActivityKind.CALL_OUT, "2026-11-22 10:00"))
    assert silence(again) == Overdue(
        AlertKind.NO_ACTIVITY, at("2026-11-24 10:00"), at("2026-11-22 10:00")
    )


def test_a_new_power_off_after_the_alert_starts_a_new_phone_off_episode() -> None:
    off = seen(watch(), (ActivityKind.POWER_OFF, "2026-11-20 20:00"))
    alerted = off.alerted(
        Overdue(AlertKind.PHONE_OFF, at("2026-11-21 20:00"), at("2026-11-20 20:00"))
    )
    again = seen(
        alerted,
        (ActivityKind.POWER_ON, "2026-11-21 21:00"),
        (ActivityKind.POWER_OFF, "2026-11-21 22:00"),
    )
    assert phone_off(again) == Overdue(
        AlertKind.PHONE_OFF, at("2026-11-22 22:00"), at("2026-11-21 22:00")
    )


def test_alerting_one_kind_leaves_the_other_kind_owed() -> None:
    off = seen(watch(), (ActivityKind.POWER_OFF, "2026-11-20 09:30"))
    alerted = off.alerted(
        Overdue(AlertKind.PHONE_OFF, at("2026-11-21 09:30"), at("2026-11-20 09:30"))
    )
    assert [o.kind for o in alerted.overdue(at("2026-12-01 00:00"))] == [AlertKind.NO_ACTIVITY]


# --- next_due_at ---------------------------------------------------------------------------


def test_next_due_at_is_the_earliest_pending_limit() -> None:
    off = seen(watch(), (ActivityKind.POWER_OFF, "2026-11-20 10:00"))
    assert off.next_due_at == at("2026-11-21 10:00")


def test_next_due_at_skips_an_alerted_episode() -> None:
    off = seen(watch(), (ActivityKind.POWER_OFF, "2026-11-20 10:00"))
    (first,) = off.overdue(at("2026-11-21 10:00"))
    assert off.alerted(first).next_due_at == at("2026-11-22 09:00")


def test_next_due_at_is_none_when_nothing_can_fall_due() -> None:
    assert watch(pauses=(Pause(at(CONSENT)),)).next_due_at is None


# --- order and repetition ------------------------------------------------------------------


def test_the_order_and_repetition_of_events_do_not_matter() -> None:
    events = [
        (ActivityKind.POWER_OFF, "2026-11-20 20:00"),
        (ActivityKind.CALL_OUT, "2026-11-20 19:00"),
        (ActivityKind.POWER_ON, "2026-11-20 19:30"),
    ]
    forward = seen(watch(), *events)
    assert seen(watch(), *reversed(events), *events) == forward
