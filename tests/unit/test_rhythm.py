"""Personal detection's rhythm and judgement, without a database: the learned state is
bounded, the same whatever the order signs arrive in, taught nothing by a pause; a silence
is judged against the person's hours; every level comes in order, serious never later than
the hard maximum."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from anbu.domain.detection import Personal, Watch
from anbu.domain.kinds import Group
from anbu.domain.pauses import Pause, limit_instant
from anbu.domain.rhythm import (
    LEVELS,
    WEEK_HOURS,
    Level,
    Rhythm,
    expected_signs,
    hour_of_week,
    judge,
    silence_chance,
    usual_quiet,
    usual_rhythm,
)

KST = timezone(timedelta(hours=9))
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MONDAY = datetime(2026, 11, 2, 0, 0, tzinfo=KST)
USUAL = usual_rhythm(Group.AGE_75_PLUS)

instants = st.integers(0, 40 * 24 * 60).map(lambda m: MONDAY + timedelta(minutes=m))


def _routine(days: int, hours: tuple[int, ...], start: datetime = MONDAY) -> list[datetime]:
    return [start + d * DAY + h * HOUR + timedelta(minutes=7) for d in range(days) for h in hours]


@given(st.lists(instants, max_size=300))
def test_the_learned_state_is_bounded_whatever_it_learns(signs: list[datetime]) -> None:
    rhythm = Rhythm().learn(signs)
    assert len(rhythm.counts) == WEEK_HOURS
    assert all(c >= 0 for c in rhythm.counts)
    assert rhythm.signs_learned <= len(signs) * (1 + 1e-6) + 1e-9  # 4-byte floats


@settings(max_examples=200)
@given(st.lists(instants, min_size=1, max_size=60), st.randoms())
def test_the_order_signs_arrive_in_does_not_matter(signs: list[datetime], rng) -> None:  # type: ignore[no-untyped-def]
    shuffled = signs[:]
    rng.shuffle(shuffled)
    split = rng.randint(0, len(shuffled))
    one_go = Rhythm().learn(signs)
    in_pieces = Rhythm().learn(shuffled[:split])
    for sign in shuffled[split:]:
        in_pieces = in_pieces.learn([sign])
    assert in_pieces.reference == one_go.reference
    for a, b in zip(in_pieces.counts, one_go.counts, strict=True):
        # Equal but for the rounding of 4-byte floats, as they are kept.
        assert math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6)


@given(st.lists(instants, max_size=80), instants, st.integers(1, 10 * 24))
def test_a_pause_teaches_nothing(signs: list[datetime], start: datetime, hours: int) -> None:
    pause = Pause(start, start + hours * HOUR)
    outside = [s for s in signs if not pause.covers(s)]
    assert Rhythm().learn(signs, [pause]) == Rhythm().learn(outside)


def test_paused_time_does_not_count_as_watched() -> None:
    """Four quiet weeks in hospital do not lower what the person usually does."""
    signs = _routine(14, (10, 15, 19))
    learned = Rhythm().learn(signs)
    later = MONDAY + 42 * DAY
    stay = Pause(MONDAY + 14 * DAY, later)
    paused = learned.rates(later, since=MONDAY, pauses=[stay], usual=USUAL)
    unpaused = learned.rates(later, since=MONDAY, usual=USUAL)
    assert sum(paused) > 1.5 * sum(unpaused)


def test_a_newcomer_starts_from_their_groups_usual_rhythm() -> None:
    rates = Rhythm().rates(MONDAY, since=MONDAY, usual=USUAL)
    assert math.isclose(sum(rates), sum(USUAL), rel_tol=1e-9)
    assert rates[hour_of_week(MONDAY + 11 * HOUR)] > 10 * rates[hour_of_week(MONDAY + 3 * HOUR)]


def test_with_weeks_of_signs_the_persons_own_rhythm_outweighs_the_groups() -> None:
    night_worker = _routine(28, (0, 2, 4, 22))  # active at night, never by day
    learned = Rhythm().learn(night_worker)
    rates = learned.rates(MONDAY + 28 * DAY, since=MONDAY, usual=USUAL)
    night = rates[hour_of_week(MONDAY + 2 * HOUR)]
    noon = rates[hour_of_week(MONDAY + 12 * HOUR)]
    assert night > 3 * noon


def _rates(days: int, hours: tuple[int, ...]) -> tuple[float, ...]:
    learned = Rhythm().learn(_routine(days, hours))
    return learned.rates(MONDAY + days * DAY, since=MONDAY, usual=USUAL)


def test_a_silence_through_a_busy_afternoon_is_unusual_sooner_than_one_through_the_night() -> None:
    rates = _rates(28, (9, 11, 13, 14, 15, 16, 17, 19))
    day = MONDAY + 28 * DAY + 13 * HOUR
    night = MONDAY + 28 * DAY + 22 * HOUR
    by_day = judge(rates, day, maximum=96 * HOUR).at(Level.CAUTION)
    by_night = judge(rates, night, maximum=96 * HOUR).at(Level.CAUTION)
    assert by_day is not None
    assert by_night is not None
    assert by_day - day < by_night - night


def test_someone_who_switches_off_every_night_is_not_alerted_for_the_night() -> None:
    # Calls 08–21 every day, nothing 22–07 (the phone is off): the night's silence is theirs.
    rates = _rates(28, (8, 10, 12, 14, 16, 18, 21))
    evening = MONDAY + 28 * DAY + 21 * HOUR + timedelta(minutes=30)
    judgement = judge(rates, evening, maximum=96 * HOUR)
    morning = evening + 10 * HOUR
    for level in (Level.CAUTION, Level.SERIOUS):
        due = judgement.at(level)
        assert due is None or due > morning


def test_unanswered_calls_bring_the_levels_sooner() -> None:
    rates = _rates(28, (9, 12, 15, 18))
    base = MONDAY + 28 * DAY + 9 * HOUR
    calls = [base + 3 * HOUR, base + 4 * HOUR, base + 5 * HOUR]
    plain = judge(rates, base, maximum=96 * HOUR).at(Level.CAUTION)
    called = judge(rates, base, maximum=96 * HOUR, missed_calls=calls).at(Level.CAUTION)
    assert plain is not None
    assert called is not None
    assert called < plain
    assert silence_chance(3.0, 2) < silence_chance(3.0)


@settings(max_examples=300)
@given(
    st.lists(st.floats(0.0, 3.0), min_size=WEEK_HOURS, max_size=WEEK_HOURS),
    instants,
    st.integers(12, 14 * 24),
    st.lists(st.tuples(st.integers(0, 20 * 24), st.integers(1, 72)), max_size=3),
    st.lists(st.integers(1, 200), max_size=5),
)
def test_every_level_comes_in_order_and_serious_never_after_the_hard_maximum(
    rates: list[float],
    base: datetime,
    maximum_hours: int,
    paused: list[tuple[int, int]],
    missed: list[int],
) -> None:
    pauses = [Pause(base + s * HOUR, base + (s + n) * HOUR) for s, n in paused]
    maximum = maximum_hours * HOUR
    calls = [base + m * HOUR for m in missed]

    judgement = judge(rates, base, maximum=maximum, pauses=pauses, missed_calls=calls)

    instants_due = [judgement.at(level) for level in LEVELS]
    reached = [at for at in instants_due if at is not None]
    assert reached == sorted(reached)
    assert [at is not None for at in instants_due] == sorted(
        (at is not None for at in instants_due), reverse=True
    )
    latest = limit_instant(base, maximum, pauses)
    serious = judgement.at(Level.SERIOUS)
    assert serious is not None
    assert latest is not None
    assert serious <= latest
    for at in reached:
        assert not any(p.covers(at) and p.starts_at < at for p in pauses)


def test_a_pause_until_further_notice_holds_every_level() -> None:
    base = MONDAY + 9 * HOUR
    judgement = judge(USUAL, base, maximum=48 * HOUR, pauses=[Pause(base + HOUR)])
    assert judgement.at(Level.SERIOUS) is None


def test_the_usual_quiet_is_the_night_for_a_day_person() -> None:
    rates = _rates(28, (8, 10, 12, 14, 16, 18, 20))
    quiet = usual_quiet(rates)
    assert 8 * HOUR <= quiet <= 14 * HOUR
    assert expected_signs(rates, MONDAY + 9 * HOUR, MONDAY + 21 * HOUR) > 4


def _personal_watch(days: int) -> Watch:
    signs = _routine(days, (8, 10, 12, 14, 16, 18, 20))
    personal = Personal(rhythm=Rhythm().learn(signs), usual=USUAL)
    return Watch(
        consent_at=MONDAY,
        inactivity=96 * HOUR,
        phone_off_limit=24 * HOUR,
        last_life_at=max(signs),
        personal=personal,
    )


def test_the_outlook_names_the_next_level_and_moves_on_as_the_silence_goes_on() -> None:
    watch = _personal_watch(28)
    last = watch.silence_base
    early = watch.outlook(last + HOUR)
    assert early is not None
    assert early.reached is None
    assert early.coming is not None
    assert early.coming[0] is Level.ATTENTION
    assert early.coming[1] > last + HOUR
    assert len(early.rates) == WEEK_HOURS

    attention_at = early.coming[1]
    later = watch.outlook(attention_at)
    assert later is not None
    assert later.reached is Level.ATTENTION
    assert later.coming is not None
    assert later.coming[0] is not Level.ATTENTION
    # Its instants are the very ones the sweep would act on.
    due = {o.level: o.due_at for o in watch.pending()}
    assert due[Level.ATTENTION] == attention_at
    assert due[later.coming[0]] == later.coming[1]

    at_the_end = watch.outlook(last + 97 * HOUR)
    assert at_the_end is not None
    assert at_the_end.reached is Level.SERIOUS
    assert at_the_end.coming is None


def test_a_person_watched_by_the_fixed_rule_has_no_outlook() -> None:
    fixed = Watch(consent_at=MONDAY, inactivity=48 * HOUR, phone_off_limit=24 * HOUR)
    assert fixed.outlook(MONDAY + HOUR) is None


@given(
    st.integers(1, 35),
    st.sampled_from([None, *LEVELS]),
    st.lists(st.integers(1, 90 * 60), max_size=4),
    st.lists(st.tuples(st.integers(-48, 100), st.integers(1, 60)), max_size=2),
)
@settings(max_examples=150, deadline=None)
def test_the_bound_ingest_indexes_never_comes_after_the_exact_instant(
    days: int,
    reached: Level | None,
    missed: list[int],
    paused: list[tuple[int, int]],
) -> None:
    watch = _personal_watch(days)
    base = watch.silence_base
    personal = watch.personal
    assert personal is not None
    calls = tuple(base + timedelta(minutes=m) for m in missed)
    watch = replace(
        watch,
        pauses=tuple(Pause(base + s * HOUR, base + (s + n) * HOUR) for s, n in paused),
        silence_alerted_base=base if reached else None,
        personal=replace(personal, missed_calls=calls, level=reached),
    )
    exact = watch.next_due_at
    bound = watch.next_check_at
    if exact is None:
        return
    assert bound is not None
    assert bound <= exact


def test_under_the_fixed_rule_the_bound_is_the_due_instant() -> None:
    fixed = Watch(
        consent_at=MONDAY, inactivity=48 * HOUR, phone_off_limit=24 * HOUR, last_life_at=MONDAY
    )
    assert fixed.next_check_at == fixed.next_due_at == MONDAY + 48 * HOUR
