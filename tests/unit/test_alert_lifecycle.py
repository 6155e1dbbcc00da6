"""The alert's life cycle, without a database: each transition's rules, and properties over
any sequence of them — no sequence reaches an unsound case, and a transition computed from a
stale read is either refused by the conditional save or commutes with what came first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anbu.domain.alerts import (
    OFFICER_OUTCOMES,
    SYSTEM_ACTOR,
    SYSTEM_OUTCOMES,
    Alert,
    AlertConflict,
    AlertError,
    AlertInvalid,
    ContactKind,
    Refusal,
    changes,
    guard,
    holds,
)
from anbu.domain.escalation import (
    Audience,
    EscalationPolicy,
    OfficeHours,
    StepKind,
    is_office_hours,
    next_opening,
)
from anbu.domain.kinds import AlertKind, AlertState, Carrier, Outcome
from anbu.domain.notifications import Medium, Phase, StepRef

KST = timezone(timedelta(hours=9))
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
# 2026-11-04 is a Wednesday; 10:00 in Seoul is office hours.
WEDNESDAY_10 = datetime(2026, 11, 4, 10, 0, tzinfo=KST)
WEDNESDAY_NIGHT = datetime(2026, 11, 4, 23, 0, tzinfo=KST)
THURSDAY_9 = datetime(2026, 11, 5, 9, 0, tzinfo=KST)
FRIDAY_EVENING = datetime(2026, 11, 6, 20, 0, tzinfo=KST)
MONDAY_9 = datetime(2026, 11, 9, 9, 0, tzinfo=KST)


class Calendar:
    """Office hours with a fixed set of holidays, by the domain's own rules."""

    def __init__(self, holidays: frozenset[date] = frozenset()) -> None:
        self.holidays = holidays

    def is_office_hours(self, instant: datetime, hours: OfficeHours) -> bool:
        return is_office_hours(instant, hours, self.holidays)

    def next_opening(self, instant: datetime, hours: OfficeHours) -> datetime:
        return next_opening(instant, hours, self.holidays)


CALENDAR = Calendar()


def person_alert(now: datetime = WEDNESDAY_10, policy: EscalationPolicy | None = None) -> Alert:
    return replace(
        Alert.for_person(
            subject_id=7,
            centre_id=3,
            carrier=Carrier.SKT,
            kind=AlertKind.NO_ACTIVITY,
            base_at=now - timedelta(hours=50),
            due_at=now - timedelta(hours=2),
            now=now,
            policy=policy or EscalationPolicy(),
        ),
        id=1,
    )


def feed_alert(now: datetime = WEDNESDAY_10) -> Alert:
    return replace(
        Alert.for_feed(Carrier.KT, base_at=now - 7 * HOUR, due_at=now - HOUR, now=now), id=2
    )


def channel_alert(now: datetime = WEDNESDAY_10) -> Alert:
    return replace(
        Alert.for_channel(Medium.SMS, base_at=now - 20 * MINUTE, due_at=now, now=now), id=3
    )


def told(alert: Alert, now: datetime = WEDNESDAY_10) -> Alert:
    """The alert after its first step (the centre told) and the message out."""
    stepped, _ = alert.take_step(now, CALENDAR)
    return stepped.notified()


# --- opening and stepping -----------------------------------------------------------------


def test_it_opens_a_persons_alert_with_its_first_step_due_at_once() -> None:
    alert = person_alert()
    assert alert.state is AlertState.OPEN
    assert alert.step_due_at == WEDNESDAY_10
    assert alert.violations() == []


def test_the_first_step_tells_the_centre_and_schedules_the_next_tier() -> None:
    stepped, taken = person_alert().take_step(WEDNESDAY_10, CALENDAR)
    assert taken is not None
    assert (str(taken.ref), taken.kind, taken.audiences) == (
        "u0",
        StepKind.NOTIFY,
        (Audience.CENTRE,),
    )
    assert taken.unanswered is None
    assert (stepped.step, stepped.step_due_at, stepped.staff_told_at) == (
        1,
        WEDNESDAY_10 + HOUR,
        WEDNESDAY_10,
    )


def test_a_later_tier_is_told_how_long_the_first_has_been_silent() -> None:
    alert = told(person_alert())
    _, taken = alert.take_step(WEDNESDAY_10 + HOUR, CALENDAR)
    assert taken is not None
    assert taken.audiences == (Audience.LEADS,)
    assert taken.unanswered == HOUR


def test_a_step_not_yet_due_changes_nothing() -> None:
    alert = told(person_alert())
    assert alert.take_step(WEDNESDAY_10 + 59 * MINUTE, CALENDAR) == (alert, None)


def test_it_stops_scheduling_when_the_plan_is_done() -> None:
    alert = person_alert(policy=EscalationPolicy(reminders=0))
    now = WEDNESDAY_10
    for _ in range(3):
        alert, taken = alert.take_step(now, CALENDAR)
        assert taken is not None
        now += HOUR
    assert alert.step_due_at is None
    assert alert.take_step(now, CALENDAR) == (alert, None)


def test_an_alert_about_the_system_has_no_plan() -> None:
    with pytest.raises(AlertInvalid) as refused:
        feed_alert().take_step(WEDNESDAY_10, CALENDAR)
    assert refused.value.reason is Refusal.NO_PLAN


def test_the_first_message_out_makes_an_open_alert_notified_and_no_other() -> None:
    alert = person_alert()
    assert alert.notified().state is AlertState.NOTIFIED
    acknowledged = alert.acknowledge("kim", WEDNESDAY_10)
    assert acknowledged.notified() is acknowledged


# --- taking charge -------------------------------------------------------------------------


def test_acknowledging_stops_the_tiers_and_schedules_the_contact_check() -> None:
    alert = told(person_alert()).acknowledge("kim", WEDNESDAY_10 + 5 * MINUTE)
    assert alert.state is AlertState.ACKNOWLEDGED
    assert (alert.acknowledged_by, alert.step) == ("kim", 0)
    assert alert.step_due_at == WEDNESDAY_10 + 5 * MINUTE + timedelta(hours=4)
    _, taken = alert.take_step(alert.step_due_at, CALENDAR)
    assert taken is not None
    assert (str(taken.ref), taken.kind) == ("a0", StepKind.CONTACT_REMINDER)


def test_acknowledging_twice_is_a_conflict() -> None:
    alert = person_alert().acknowledge("kim", WEDNESDAY_10)
    with pytest.raises(AlertConflict) as refused:
        alert.acknowledge("lee", WEDNESDAY_10)
    assert refused.value.reason is Refusal.ALREADY_ACKNOWLEDGED
    assert "already acknowledged" in str(refused.value)


def test_a_call_acknowledges_and_is_the_contact_the_check_waits_for() -> None:
    alert = told(person_alert()).record_contact(ContactKind.CALL, "kim", WEDNESDAY_10 + MINUTE)
    assert alert.state is AlertState.ACKNOWLEDGED
    assert alert.acknowledged_by == "kim"
    assert alert.step_due_at is None
    assert alert.first_contact_at == WEDNESDAY_10 + MINUTE


def test_a_note_changes_nothing_on_the_alert() -> None:
    alert = told(person_alert())
    assert alert.record_contact(ContactKind.NOTE, "kim", WEDNESDAY_10) is alert
    assert feed_alert().record_contact(ContactKind.NOTE, "ops", WEDNESDAY_10) == feed_alert()


@pytest.mark.parametrize("make", [feed_alert, channel_alert])
def test_nobody_can_visit_or_call_about_the_system(make: Callable[[], Alert]) -> None:
    alert = make()
    for act in (
        lambda: alert.claim("kim", WEDNESDAY_10),
        lambda: alert.record_contact(ContactKind.VISIT, "kim", WEDNESDAY_10),
        lambda: alert.need_visit("kim", WEDNESDAY_10, CALENDAR),
    ):
        with pytest.raises(AlertConflict) as refused:
            act()
        assert refused.value.reason is Refusal.NOBODY_TO_VISIT


@pytest.mark.parametrize("make", [feed_alert, channel_alert])
def test_an_alert_about_the_system_closes_itself_only(make: Callable[[], Alert]) -> None:
    with pytest.raises(AlertConflict) as refused:
        make().resolve(Outcome.SAFE, "admin", WEDNESDAY_10)
    assert refused.value.reason is Refusal.CLOSES_ITSELF
    closed = make().close(Outcome.FEED_RECOVERED, WEDNESDAY_10)
    assert (closed.state, closed.resolved_by) == (AlertState.RESOLVED, SYSTEM_ACTOR)


def test_two_officers_cannot_take_the_same_visit() -> None:
    alert = person_alert().claim("kim", WEDNESDAY_10)
    with pytest.raises(AlertConflict) as refused:
        alert.claim("lee", WEDNESDAY_10)
    assert refused.value.reason is Refusal.TAKEN
    with pytest.raises(AlertConflict) as again:
        alert.claim("kim", WEDNESDAY_10)
    assert again.value.reason is Refusal.ALREADY_YOURS
    with pytest.raises(AlertConflict) as not_theirs:
        alert.release("lee", WEDNESDAY_10, CALENDAR)
    assert not_theirs.value.reason is Refusal.NOT_YOURS
    assert alert.release("kim", WEDNESDAY_10, CALENDAR).claimed_by is None


# --- closing -------------------------------------------------------------------------------


def test_an_officer_chooses_among_the_officers_outcomes_only() -> None:
    alert = told(person_alert())
    for outcome in SYSTEM_OUTCOMES | {Outcome.UNREACHABLE_VISIT_NEEDED, Outcome.CONSENT_WITHDRAWN}:
        with pytest.raises(AlertInvalid) as refused:
            alert.resolve(outcome, "kim", WEDNESDAY_10)
        assert refused.value.reason is Refusal.NOT_AN_OFFICER_OUTCOME
    closed = alert.resolve(Outcome.FALSE_ALARM, "kim", WEDNESDAY_10, "phone lost")
    assert (closed.outcome, closed.resolved_by, closed.resolution_note) == (
        Outcome.FALSE_ALARM,
        "kim",
        "phone lost",
    )
    assert closed.step_due_at is None


def test_anbu_records_only_the_system_outcomes() -> None:
    with pytest.raises(AlertInvalid) as refused:
        person_alert().close(Outcome.SAFE, WEDNESDAY_10)
    assert refused.value.reason is Refusal.NOT_A_SYSTEM_OUTCOME


def test_a_closed_case_takes_no_further_action() -> None:
    closed = person_alert().resolve(Outcome.SAFE, "kim", WEDNESDAY_10)
    for act in (
        lambda: closed.acknowledge("kim", WEDNESDAY_10),
        lambda: closed.claim("kim", WEDNESDAY_10),
        lambda: closed.need_visit("kim", WEDNESDAY_10, CALENDAR),
        lambda: closed.resolve(Outcome.SAFE, "kim", WEDNESDAY_10),
        lambda: closed.close(Outcome.SUPERSEDED, WEDNESDAY_10),
    ):
        with pytest.raises(AlertConflict) as refused:
            act()
        assert refused.value.reason is Refusal.CLOSED


def test_a_door_opened_with_the_police_is_a_visit_on_record() -> None:
    alert = told(person_alert()).acknowledge("kim", WEDNESDAY_10)
    with pytest.raises(AlertConflict) as refused:
        alert.resolve(Outcome.DOOR_OPENED, "kim", WEDNESDAY_10)
    assert refused.value.reason is Refusal.VISIT_FIRST
    visited = alert.record_contact(ContactKind.VISIT, "kim", WEDNESDAY_10 + HOUR)
    assert visited.resolve(Outcome.DOOR_OPENED, "kim", WEDNESDAY_10 + HOUR).state is (
        AlertState.RESOLVED
    )


# --- visit needed --------------------------------------------------------------------------


def test_unreachable_is_not_an_end_the_case_waits_for_a_visit() -> None:
    alert = told(person_alert()).need_visit("kim", WEDNESDAY_10 + 30 * MINUTE, CALENDAR)
    assert alert.state is AlertState.VISIT_NEEDED
    assert alert.is_open
    assert (alert.acknowledged_by, alert.visit_needed_at) == ("kim", WEDNESDAY_10 + 30 * MINUTE)
    # Nobody has taken the visit: it escalates at once, the centre first.
    assert alert.step_due_at == WEDNESDAY_10 + 30 * MINUTE
    _, taken = alert.take_step(WEDNESDAY_10 + 30 * MINUTE, CALENDAR)
    assert taken is not None
    assert (str(taken.ref), taken.kind, taken.audiences) == (
        "v0",
        StepKind.NOTIFY,
        (Audience.CENTRE,),
    )


def test_a_case_waiting_for_a_visit_escalates_through_the_tiers_until_someone_goes() -> None:
    alert = told(person_alert()).need_visit("kim", WEDNESDAY_10, CALENDAR)
    audiences = []
    now = WEDNESDAY_10
    for _ in range(3):
        alert, taken = alert.take_step(now, CALENDAR)
        assert taken is not None
        audiences.append(taken.audiences[0])
        now += HOUR
    assert audiences == [Audience.CENTRE, Audience.LEADS, Audience.DUTY]
    taken_by_lee = alert.claim("lee", now)
    assert taken_by_lee.step_due_at is None  # somebody is on their way
    # Given back at night: it escalates again from the morning.
    back = taken_by_lee.release("lee", WEDNESDAY_NIGHT, CALENDAR)
    assert back.step_due_at == THURSDAY_9


def test_a_duty_desk_case_needing_a_visit_goes_to_the_centre_at_the_next_opening() -> None:
    alert = person_alert(now=FRIDAY_EVENING).acknowledge("desk", FRIDAY_EVENING)
    waiting = alert.need_visit("desk", FRIDAY_EVENING + 10 * MINUTE, CALENDAR)
    assert waiting.step_due_at == MONDAY_9
    assert waiting.take_step(FRIDAY_EVENING + HOUR, CALENDAR) == (waiting, None)
    _, taken = waiting.take_step(MONDAY_9, CALENDAR)
    assert taken is not None
    assert taken.audiences == (Audience.CENTRE,)  # the centre's officers, not the desk


def test_a_visit_already_taken_does_not_escalate() -> None:
    alert = told(person_alert()).claim("kim", WEDNESDAY_10)
    assert alert.need_visit("kim", WEDNESDAY_10, CALENDAR).step_due_at is None


def test_a_case_waiting_for_a_visit_closes_only_with_a_visit_and_its_result() -> None:
    waiting = told(person_alert()).need_visit("kim", WEDNESDAY_10, CALENDAR)
    with pytest.raises(AlertConflict) as no_visit:
        waiting.resolve(Outcome.SAFE, "kim", WEDNESDAY_10 + HOUR)
    assert no_visit.value.reason is Refusal.VISIT_FIRST
    visited = waiting.record_contact(ContactKind.VISIT, "lee", WEDNESDAY_10 + HOUR)
    assert visited.step_due_at is None
    with pytest.raises(AlertConflict) as wrong:
        visited.resolve(Outcome.FALSE_ALARM, "lee", WEDNESDAY_10 + HOUR)
    assert wrong.value.reason is Refusal.VISIT_OUTCOME_NEEDED
    for outcome in (Outcome.SAFE, Outcome.HOSPITALISED, Outcome.DECEASED, Outcome.DOOR_OPENED):
        closed = visited.resolve(outcome, "lee", WEDNESDAY_10 + HOUR)
        assert closed.outcome is outcome
        assert closed.violations() == []


def test_a_visit_before_the_case_needed_one_does_not_close_it() -> None:
    visited = told(person_alert()).record_contact(ContactKind.VISIT, "kim", WEDNESDAY_10)
    waiting = visited.need_visit("kim", WEDNESDAY_10 + MINUTE, CALENDAR)
    with pytest.raises(AlertConflict):
        waiting.resolve(Outcome.SAFE, "kim", WEDNESDAY_10 + HOUR)


def test_a_later_sign_of_life_lets_a_case_waiting_for_a_visit_close() -> None:
    waiting = told(person_alert()).need_visit("kim", WEDNESDAY_10, CALENDAR)
    alive = waiting.resumed(WEDNESDAY_10 + HOUR)
    assert alive.resolve(Outcome.SAFE, "kim", WEDNESDAY_10 + 2 * HOUR).state is AlertState.RESOLVED


def test_needing_a_visit_twice_is_a_conflict() -> None:
    waiting = person_alert().need_visit("kim", WEDNESDAY_10, CALENDAR)
    with pytest.raises(AlertConflict) as refused:
        waiting.need_visit("lee", WEDNESDAY_10, CALENDAR)
    assert refused.value.reason is Refusal.ALREADY_VISIT_NEEDED


# --- signs of life and follow-ups ----------------------------------------------------------


def test_resumed_keeps_the_earliest_sign_of_life_after_the_episode_began() -> None:
    alert = person_alert()
    assert alert.resumed(alert.base_at) is alert
    later = alert.resumed(WEDNESDAY_10 + HOUR)
    assert later.resumed(WEDNESDAY_10 + 2 * HOUR) is later
    assert later.resumed(WEDNESDAY_10 + MINUTE).resumed_at == WEDNESDAY_10 + MINUTE


def test_an_answer_before_staff_were_told_closes_the_case_itself() -> None:
    self_checking = person_alert(policy=EscalationPolicy(self_check=True))
    stepped, taken = self_checking.take_step(WEDNESDAY_10, CALENDAR)
    assert taken is not None
    assert taken.audiences == (Audience.SUBJECT,)
    closed = stepped.resumed(WEDNESDAY_10 + MINUTE).follow_up(WEDNESDAY_10 + 2 * MINUTE)
    assert (closed.outcome, closed.resolved_by) == (Outcome.CHECKED_IN, SYSTEM_ACTOR)


def test_after_staff_were_told_a_sign_of_life_stops_the_reminders_only() -> None:
    alert = told(person_alert()).resumed(WEDNESDAY_10 + MINUTE).follow_up(WEDNESDAY_10 + HOUR)
    assert alert.is_open
    assert (alert.followed_up_at, alert.step_due_at) == (WEDNESDAY_10 + HOUR, None)
    with pytest.raises(AlertConflict):
        alert.follow_up(WEDNESDAY_10 + 2 * HOUR)


def test_a_failed_delivery_escalates_the_step_just_taken_only() -> None:
    alert = told(person_alert())  # u0 taken, u1 due in an hour
    now = WEDNESDAY_10 + 5 * MINUTE
    assert alert.delivery_failed(StepRef(Phase.UNACKNOWLEDGED, 0), now, others_reached=False) == (
        replace(alert, step_due_at=now)
    )
    assert (
        alert.delivery_failed(StepRef(Phase.UNACKNOWLEDGED, 0), now, others_reached=True) is alert
    )
    older = alert.delivery_failed(StepRef(Phase.UNACKNOWLEDGED, 3), now, others_reached=False)
    assert older is alert
    acknowledged = alert.acknowledge("kim", now)
    assert (
        acknowledged.delivery_failed(StepRef(Phase.ACKNOWLEDGED, 0), now, others_reached=False)
        is acknowledged
    )


# --- properties over any sequence ----------------------------------------------------------

LOGINS = st.sampled_from(["kim", "lee"])
OUTCOMES = st.sampled_from(list(Outcome))


def _operations() -> st.SearchStrategy[tuple[object, ...]]:
    return st.one_of(
        st.tuples(st.just("notified")),
        st.tuples(st.just("acknowledge"), LOGINS),
        st.tuples(st.just("claim"), LOGINS),
        st.tuples(st.just("release"), LOGINS),
        st.tuples(st.just("contact"), st.sampled_from(list(ContactKind)), LOGINS),
        st.tuples(st.just("need_visit"), LOGINS),
        st.tuples(st.just("take_step")),
        st.tuples(
            st.just("delivery_failed"),
            st.sampled_from(list(Phase)),
            st.integers(0, 4),
            st.booleans(),
        ),
        st.tuples(st.just("resumed"), st.integers(-60 * 60, 60 * 60)),
        st.tuples(st.just("follow_up")),
        st.tuples(st.just("close"), st.sampled_from(sorted(SYSTEM_OUTCOMES))),
        st.tuples(st.just("withdraw"), LOGINS),
        st.tuples(st.just("resolve"), OUTCOMES, LOGINS),
    )


def _apply(alert: Alert, operation: tuple[object, ...], now: datetime) -> Alert:
    """One transition at `now`; raises AlertError when the alert refuses it."""
    name, *args = operation
    if name == "notified":
        return alert.notified()
    if name == "acknowledge":
        return alert.acknowledge(str(args[0]), now)
    if name == "claim":
        return alert.claim(str(args[0]), now)
    if name == "release":
        return alert.release(str(args[0]), now, CALENDAR)
    if name == "contact":
        kind = args[0]
        assert isinstance(kind, ContactKind)
        return alert.record_contact(kind, str(args[1]), now)
    if name == "need_visit":
        return alert.need_visit(str(args[0]), now, CALENDAR)
    if name == "take_step":
        return alert.take_step(now, CALENDAR)[0]
    if name == "delivery_failed":
        phase, index, others = args
        assert isinstance(phase, Phase)
        assert isinstance(index, int)
        return alert.delivery_failed(StepRef(phase, index), now, others_reached=bool(others))
    if name == "resumed":
        assert isinstance(args[0], int)
        return alert.resumed(now + timedelta(seconds=args[0]))
    if name == "follow_up":
        return alert.follow_up(now)
    if name == "withdraw":
        return alert.withdraw(str(args[0]), now)
    if name == "close":
        outcome = args[0]
        assert isinstance(outcome, Outcome)
        return alert.close(outcome, now)
    outcome = args[0]
    assert isinstance(outcome, Outcome)
    return alert.resolve(outcome, str(args[1]), now)


@st.composite
def histories(draw: st.DrawFn) -> tuple[Alert, datetime]:
    """An alert of any kind after any sequence of transitions, and the time reached."""
    policy = EscalationPolicy(
        self_check=draw(st.booleans()),
        guardian=draw(st.booleans()),
        reminders=draw(st.integers(0, 2)),
    )
    start = WEDNESDAY_10 + timedelta(minutes=draw(st.integers(0, 7 * 24 * 60)))
    alert = draw(
        st.sampled_from([person_alert(start, policy), feed_alert(start), channel_alert(start)])
    )
    now = start
    for operation in draw(st.lists(_operations(), max_size=25)):
        now += timedelta(minutes=draw(st.integers(0, 180)))
        try:
            alert = _apply(alert, operation, now)
        except AlertError:
            continue
    return alert, now


@settings(max_examples=400)
@given(histories())
def test_no_sequence_of_transitions_reaches_an_unsound_case(
    history: tuple[Alert, datetime],
) -> None:
    alert, _ = history
    assert alert.violations() == []


@settings(max_examples=400)
@given(histories(), _operations())
def test_a_refused_transition_says_why_and_any_other_keeps_the_case_sound(
    history: tuple[Alert, datetime], operation: tuple[object, ...]
) -> None:
    alert, now = history
    refusal: AlertError | None = None
    try:
        after = _apply(alert, operation, now + MINUTE)
    except (AlertConflict, AlertInvalid) as refused:
        refusal = refused
    if refusal is not None:
        assert isinstance(refusal.reason, Refusal)
        assert str(refusal)
        return
    assert after.violations() == []
    assert after.id == alert.id
    assert after.kind is alert.kind
    assert after.opened_at == alert.opened_at


@settings(max_examples=600)
@given(histories(), _operations(), _operations())
def test_a_transition_read_from_a_stale_alert_is_refused_or_loses_nothing(
    history: tuple[Alert, datetime], first: tuple[object, ...], second: tuple[object, ...]
) -> None:
    """Two workers read the same alert. The first saves its transition; the second's save,
    made from the stale read, goes through only if the stored alert still holds what the
    second read — and then the result is what the second would have done on the fresh
    alert: nothing the first did is undone."""
    alert, now = history
    later = now + MINUTE
    try:
        fresh = _apply(alert, first, later)
        stale = _apply(alert, second, later)
    except AlertError:
        return
    changed = changes(alert, stale)
    if fresh == alert or not changed:
        return
    if not holds(fresh, guard(alert, changed)):
        return  # refused: the second worker reads again and decides anew
    merged = replace(fresh, **changed)
    assert merged == _apply(fresh, second, later)
    assert merged.violations() == []


def test_it_refuses_a_save_from_a_read_overtaken_by_a_step() -> None:
    alert = told(person_alert())
    stepped, _ = alert.take_step(WEDNESDAY_10 + HOUR, CALENDAR)
    acknowledged = alert.acknowledge("kim", WEDNESDAY_10 + HOUR)
    assert not holds(stepped, guard(alert, changes(alert, acknowledged)))


def test_every_officer_outcome_closes_an_ordinary_case_except_a_door_without_a_visit() -> None:
    alert = told(person_alert())
    for outcome in OFFICER_OUTCOMES:
        if outcome is Outcome.DOOR_OPENED:
            continue
        assert alert.resolve(outcome, "kim", WEDNESDAY_10).outcome is outcome


def test_marking_a_visit_needed_from_a_read_before_someone_took_the_visit_is_refused() -> None:
    """What a case waiting for a visit does next depends on whether somebody holds it: a
    save computed before the visit was taken would start an escalation nobody needs."""
    alert = told(person_alert())
    taken = alert.claim("lee", WEDNESDAY_10)
    waiting = alert.need_visit("kim", WEDNESDAY_10, CALENDAR)
    assert not holds(taken, guard(alert, changes(alert, waiting)))
    assert taken.need_visit("kim", WEDNESDAY_10, CALENDAR).step_due_at is None
