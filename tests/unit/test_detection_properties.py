"""The detector against a deliberately simple reference model, on random event streams.

The reference works in whole minutes by brute force: it counts unpaused minutes one by
one from the episode's base, recomputes every base from the full set of events known so
far, and remembers every episode it has alerted. The product keeps a few maxima per
subject and does interval arithmetic; if the two ever disagree, one of them is wrong.

Streams are delivered the way carriers deliver them: late, shuffled, repeated, with the
same instant written in different UTC offsets, by feeds that declare watermarks, feeds
that only send events, and feeds that stall.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from anbu.domain.activity import LifeRules
from anbu.domain.detection import Watch, record_all
from anbu.domain.kinds import ActivityKind, AlertKind, Carrier
from anbu.domain.pauses import Pause, limit_instant
from anbu.domain.watermarks import Feed

KST = timezone(timedelta(hours=9))
EST = timezone(timedelta(hours=-5))
ZONES: tuple[tzinfo, ...] = (KST, UTC, EST)
T0 = datetime(2026, 11, 20, 0, 0, tzinfo=KST)
MINUTE = timedelta(minutes=1)
HORIZON = 3 * 24 * 60  # the stream spans three days, in minutes from T0
CARRIERS = (Carrier.SKT, Carrier.KT)

MinutePause = tuple[int, int | None]  # [start, end) in minutes; end None = until resumed


def instant(minute: int, zone: tzinfo = KST) -> datetime:
    return (T0 + minute * MINUTE).astimezone(zone)


def minute_of(moment: datetime) -> int:
    whole, rest = divmod(moment - T0, MINUTE)
    assert rest == timedelta(0), f"{moment} is not on a whole minute"
    return whole


# --- the reference model -------------------------------------------------------------------

# SPEC §3, restated on its own so that a slip in LifeRules cannot hide here.
_ALWAYS_LIFE = {"call_out", "sms_out", "power_on", "checkin"}


def ref_is_life(kind: str, duration_s: int | None, data_counts: bool) -> bool:
    if kind == "call_in":
        return duration_s is not None and duration_s > 0
    if kind == "data":
        return data_counts
    return kind in _ALWAYS_LIFE


def ref_shows_phone_on(kind: str, duration_s: int | None, data_counts: bool) -> bool:
    """The handset itself was on the network: the person did something, or data flowed."""
    return kind == "data" or (kind != "power_off" and ref_is_life(kind, duration_s, data_counts))


@cache
def ref_due(base: int, period: int, pauses: tuple[MinutePause, ...]) -> int | None:
    """The first minute t at which [base, t) holds `period` unpaused minutes."""
    counted, t = 0, base
    while counted < period:
        if any(start <= t and end is None for start, end in pauses):
            return None  # paused from here on, for ever
        if not any(start <= t and (end is None or t < end) for start, end in pauses):
            counted += 1
        t += 1
    return t


@dataclass(frozen=True)
class SubjectPlan:
    carrier: Carrier
    consent: int
    inactivity: int
    phone_off: int
    pauses: tuple[MinutePause, ...]


@dataclass(frozen=True)
class Happening:
    """Something that happened to a subject's phone, at a whole minute."""

    subject: int
    kind: ActivityKind
    minute: int
    duration_s: int | None


@dataclass(frozen=True)
class Delivery:
    """One copy of a happening reaching anbu before sweep `sweep`, written in `zone`."""

    happening: Happening
    sweep: int
    zone: tzinfo


@dataclass(frozen=True)
class Declaration:
    carrier: Carrier
    sweep: int
    minute: int
    zone: tzinfo


@dataclass(frozen=True)
class Scenario:
    subjects: tuple[SubjectPlan, ...]
    data_counts: bool
    sweeps: tuple[int, ...]  # the minutes at which sweeps run, increasing
    deliveries: tuple[Delivery, ...]  # in arrival order
    declarations: tuple[Declaration, ...]
    closes: tuple[bool, ...]  # officers resolve every open alert just before sweep i
    stalls: dict[Carrier, int]  # a carrier's watermark stops advancing from this sweep on

    @property
    def happenings(self) -> set[Happening]:
        return {d.happening for d in self.deliveries}


Opened = tuple[int, AlertKind, int, int]  # subject, kind, due_at, base — in minutes


def ref_watermark(sc: Scenario, carrier: Carrier, upto: int) -> int | None:
    """Declared if the carrier ever declared, else its latest event; as of sweep `upto`."""
    declared = [d.minute for d in sc.declarations if d.carrier is carrier and d.sweep <= upto]
    if declared:
        return max(declared)
    seen = [
        d.happening.minute
        for d in sc.deliveries
        if d.sweep <= upto and sc.subjects[d.happening.subject].carrier is carrier
    ]
    return max(seen, default=None)


def ref_bases(sc: Scenario, subject: int, known: set[Happening]) -> dict[AlertKind, int | None]:
    plan = sc.subjects[subject]
    mine = [h for h in known if h.subject == subject]
    life = [h.minute for h in mine if ref_is_life(h.kind, h.duration_s, sc.data_counts)]
    offs = [h.minute for h in mine if h.kind is ActivityKind.POWER_OFF]
    ons = [h.minute for h in mine if ref_shows_phone_on(h.kind, h.duration_s, sc.data_counts)]
    off_base = None
    if offs and not any(on >= max(offs) for on in ons):
        off_base = max(max(offs), plan.consent)
    return {AlertKind.NO_ACTIVITY: max([plan.consent, *life]), AlertKind.PHONE_OFF: off_base}


def reference(sc: Scenario) -> list[set[Opened]]:
    """The alerts opened at each sweep, by the reference model."""
    alerted: set[tuple[int, AlertKind, int]] = set()
    open_kinds: set[tuple[int, AlertKind]] = set()
    per_sweep: list[set[Opened]] = []
    for i, now in enumerate(sc.sweeps):
        known = {d.happening for d in sc.deliveries if d.sweep <= i}
        if sc.closes[i]:
            open_kinds.clear()
        opened: set[Opened] = set()
        for s, plan in enumerate(sc.subjects):
            mark = ref_watermark(sc, plan.carrier, i)
            if mark is None:
                continue
            period = {AlertKind.NO_ACTIVITY: plan.inactivity, AlertKind.PHONE_OFF: plan.phone_off}
            for kind, base in ref_bases(sc, s, known).items():
                if base is None or (s, kind) in open_kinds or (s, kind, base) in alerted:
                    continue
                due = ref_due(base, period[kind], plan.pauses)
                if due is not None and due <= min(mark, now):
                    opened.add((s, kind, due, base))
                    alerted.add((s, kind, base))
                    open_kinds.add((s, kind))
        per_sweep.append(opened)
    return per_sweep


# --- the product, driven the way the sweep service drives it -------------------------------


def product(sc: Scenario) -> tuple[list[set[Opened]], list[list[Opened]]]:
    """The alerts opened at each sweep by the real Watch and Feed; also every alert opened
    as a list, so that a duplicate would show."""
    rules = LifeRules(data_counts=sc.data_counts)
    watches = [
        Watch(
            consent_at=instant(plan.consent, ZONES[s % len(ZONES)]),
            inactivity=plan.inactivity * MINUTE,
            phone_off_limit=plan.phone_off * MINUTE,
            pauses=tuple(
                Pause(instant(start), None if end is None else instant(end, UTC))
                for start, end in plan.pauses
            ),
        )
        for s, plan in enumerate(sc.subjects)
    ]
    feeds = {carrier: Feed(carrier) for carrier in CARRIERS}
    open_kinds: set[tuple[int, AlertKind]] = set()
    per_sweep: list[set[Opened]] = []
    every: list[list[Opened]] = []
    for i, now_minute in enumerate(sc.sweeps):
        for d in (d for d in sc.deliveries if d.sweep == i):
            h = d.happening
            occurred_at = instant(h.minute, d.zone)
            carrier = sc.subjects[h.subject].carrier
            feeds[carrier] = feeds[carrier].see(occurred_at)
            watches[h.subject] = watches[h.subject].record(h.kind, occurred_at, h.duration_s, rules)
        for mark in (m for m in sc.declarations if m.sweep == i):
            feeds[mark.carrier] = feeds[mark.carrier].declare(instant(mark.minute, mark.zone))
        if sc.closes[i]:
            open_kinds.clear()
        now = instant(now_minute, UTC)
        opened: list[Opened] = []
        for s, plan in enumerate(sc.subjects):
            watermark = feeds[plan.carrier].watermark
            if watermark is None:
                continue
            watch = watches[s]
            for overdue in watch.overdue(min(watermark, now)):
                if (s, overdue.kind) in open_kinds:
                    continue
                opened.append((s, overdue.kind, minute_of(overdue.due_at), minute_of(overdue.base)))
                open_kinds.add((s, overdue.kind))
                watch = watch.alerted(overdue)
            watches[s] = watch
        per_sweep.append(set(opened))
        every.append(opened)
    return per_sweep, every


# --- generating streams --------------------------------------------------------------------

zones = st.sampled_from(ZONES)


@st.composite
def minute_pauses(draw: st.DrawFn, edges: tuple[int, ...]) -> tuple[MinutePause, ...]:
    """Up to two pauses, some starting exactly on one of the `edges` (where a limit falls)."""
    found: list[MinutePause] = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.one_of(st.integers(-600, HORIZON), st.sampled_from(edges)))
        length = draw(st.one_of(st.integers(1, 1440), st.none()))
        found.append((start, None if length is None else start + length))
    return tuple(found)


@st.composite
def subject_plans(draw: st.DrawFn) -> SubjectPlan:
    consent = draw(st.integers(0, 600))
    inactivity = draw(st.integers(60, 720))
    phone_off = draw(st.integers(30, 360))
    return SubjectPlan(
        carrier=draw(st.sampled_from(CARRIERS)),
        consent=consent,
        inactivity=inactivity,
        phone_off=phone_off,
        pauses=draw(
            st.one_of(st.just(()), minute_pauses((consent + inactivity, consent + phone_off)))
        ),
    )


def durations(kind: ActivityKind) -> st.SearchStrategy[int | None]:
    if kind is ActivityKind.CALL_IN:
        return st.one_of(st.none(), st.just(0), st.integers(1, 600))
    return st.one_of(st.none(), st.integers(0, 600))


@st.composite
def happenings(draw: st.DrawFn, subjects: int) -> list[Happening]:
    """One trace, or a burst of a phone flapping off and on within a few minutes."""
    subject = draw(st.integers(0, subjects - 1))
    minute = draw(st.integers(-300, HORIZON))
    if draw(st.integers(0, 7)) == 7:
        flips = draw(st.integers(2, 5))
        found = []
        for n in range(flips):
            kind = ActivityKind.POWER_OFF if n % 2 == 0 else ActivityKind.POWER_ON
            found.append(Happening(subject, kind, minute, None))
            minute += draw(st.integers(0, 3))
        return found
    # The phone going off is drawn more often than the rest, or phone-off episodes are rare.
    kind = draw(st.sampled_from([*ActivityKind, ActivityKind.POWER_OFF, ActivityKind.POWER_OFF]))
    return [Happening(subject, kind, minute, draw(durations(kind)))]


@st.composite
def scenarios(draw: st.DrawFn, honest: bool = False, stalled: bool = False) -> Scenario:
    """A random world.

    A carrier may never declare a watermark (its events are its watermark), or declare
    arbitrary instants, even going backwards. A stalled carrier stops for good at some
    sweep: one that never declared falls silent; one that declared stops its heartbeats
    while its events keep flowing. With `honest`, every carrier declares before every
    sweep, up to where all its events have reached anbu, and a stall stops everything.
    With `stalled`, every carrier stalls.
    """
    plans = tuple(draw(st.lists(subject_plans(), min_size=1, max_size=3)))
    traces = [h for burst in draw(st.lists(happenings(len(plans)), max_size=25)) for h in burst]
    # Where limits fall if nothing else happens: sweeps and watermarks landing exactly
    # there test the edges, which random minutes would almost never hit.
    edges = sorted(
        {p.consent + period for p in plans for period in (p.inactivity, p.phone_off)}
        | {
            h.minute + period
            for h in traces
            for period in (plans[h.subject].inactivity, plans[h.subject].phone_off)
        }
    )
    # Drawn back from the end, since hypothesis favours small numbers: sweeps mostly come
    # late enough for periods to run out.
    back = draw(st.sets(st.integers(0, HORIZON + 1440), min_size=2, max_size=8))
    on_edges = draw(st.sets(st.sampled_from([e for e in edges if e >= 0]), max_size=2))
    sweeps = tuple(sorted({HORIZON + 1440 - b for b in back} | on_edges))
    declares = {carrier: honest or draw(st.integers(0, 3)) != 3 for carrier in CARRIERS}
    stalls = {
        carrier: draw(st.integers(1, len(sweeps) - 1))
        for carrier in CARRIERS
        if stalled or draw(st.integers(0, 3)) == 3
    }

    def sends_events(carrier: Carrier, sweep: int) -> bool:
        if sweep >= len(sweeps):
            return False
        return sweep < stalls.get(carrier, len(sweeps)) or (declares[carrier] and not honest)

    deliveries = []
    for h in traces:
        first = next((i for i, now in enumerate(sweeps) if now >= h.minute), None)
        if first is None:
            continue  # it happens after the last sweep
        for _ in range(draw(st.integers(1, 3))):
            sweep = first + draw(st.integers(0, 2))
            if sends_events(plans[h.subject].carrier, sweep):
                deliveries.append(Delivery(h, sweep, draw(zones)))
    arrival = draw(st.permutations(deliveries))

    def complete_until(carrier: Carrier, sweep: int) -> int:
        """Just before the carrier's earliest event that has not reached anbu yet."""
        missing = [
            h.minute - 1
            for h in traces
            if plans[h.subject].carrier is carrier
            and not any(d.happening == h and d.sweep <= sweep for d in deliveries)
        ]
        return min([sweeps[sweep], *missing])

    declarations = []
    for carrier in (c for c in CARRIERS if declares[c]):
        for i, now in enumerate(sweeps[: stalls.get(carrier, len(sweeps))]):
            # A stalled carrier's first heartbeat is kept, so that its watermark is frozen.
            if not honest and not (i == 0 and carrier in stalls) and draw(st.booleans()):
                continue  # no heartbeat before this sweep
            earlier_edges = [edge for edge in edges if edge <= now]
            if honest:
                minute = complete_until(carrier, i)
            elif draw(st.booleans()) and earlier_edges:
                minute = draw(st.sampled_from(earlier_edges))
            else:
                minute = now - draw(st.integers(0, now + 60))
            declarations.append(Declaration(carrier, i, minute, draw(zones)))
    return Scenario(
        subjects=plans,
        data_counts=draw(st.booleans()),
        sweeps=sweeps,
        deliveries=tuple(arrival),
        declarations=tuple(declarations),
        closes=tuple(draw(st.booleans()) for _ in sweeps),
        stalls=stalls,
    )


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_the_detector_opens_exactly_the_alerts_of_the_reference_model(sc: Scenario) -> None:
    opened, _ = product(sc)
    assert opened == reference(sc)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_no_episode_is_ever_alerted_twice(sc: Scenario) -> None:
    _, every = product(sc)
    episodes = Counter((s, kind, base) for sweep in every for s, kind, _, base in sweep)
    assert [episode for episode, count in episodes.items() if count > 1] == []


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_no_alert_is_due_beyond_its_carriers_watermark_or_the_clock(sc: Scenario) -> None:
    opened, _ = product(sc)
    for i, alerts in enumerate(opened):
        for s, _, due, _ in alerts:
            mark = ref_watermark(sc, sc.subjects[s].carrier, i)
            assert mark is not None
            assert due <= min(mark, sc.sweeps[i])


@settings(max_examples=150, deadline=None)
@given(scenarios(stalled=True))
def test_a_stalled_feed_opens_nothing_beyond_where_it_stalled(sc: Scenario) -> None:
    opened, _ = product(sc)
    for i, alerts in enumerate(opened):
        for s, _, due, _ in alerts:
            stall = sc.stalls.get(sc.subjects[s].carrier)
            if stall is not None and i >= stall:
                frozen = ref_watermark(sc, sc.subjects[s].carrier, stall - 1)
                assert frozen is not None
                assert due <= frozen


@settings(max_examples=150, deadline=None)
@given(scenarios(honest=True))
def test_a_carrier_that_honours_its_watermarks_raises_no_alert_the_full_stream_disproves(
    sc: Scenario,
) -> None:
    """Once every event up to the watermark has arrived, an alert's episode really was
    silent (or off) from its base to its due instant, whatever arrives later."""
    opened, _ = product(sc)
    everything = sc.happenings
    for alerts in opened:
        for s, kind, due, base in alerts:
            mine = [h for h in everything if h.subject == s and base <= h.minute <= due]
            if kind is AlertKind.NO_ACTIVITY:
                ends = [
                    h
                    for h in mine
                    if h.minute > base and ref_is_life(h.kind, h.duration_s, sc.data_counts)
                ]
            else:
                ends = [
                    h
                    for h in mine
                    if ref_shows_phone_on(h.kind, h.duration_s, sc.data_counts)
                    or (h.kind is ActivityKind.POWER_OFF and h.minute > base)
                ]
            assert ends == []


@settings(max_examples=300, deadline=None)
@given(
    base=st.integers(-1000, 1000),
    period=st.integers(1, 2000),
    pauses=st.lists(
        st.tuples(st.integers(-1500, 3000), st.one_of(st.integers(1, 1500), st.none())), max_size=4
    ),
    zone=zones,
)
def test_limit_instant_equals_counting_unpaused_minutes_one_by_one(
    base: int, period: int, pauses: list[tuple[int, int | None]], zone: tzinfo
) -> None:
    spans = tuple((start, None if length is None else start + length) for start, length in pauses)
    product_pauses = [Pause(instant(s, zone), None if e is None else instant(e)) for s, e in spans]
    found = limit_instant(instant(base, zone), period * MINUTE, product_pauses)
    expected = ref_due(base, period, spans)
    assert (None if found is None else minute_of(found)) == expected


@settings(max_examples=200, deadline=None)
@given(data=st.data(), traces=st.lists(happenings(1), max_size=12), data_counts=st.booleans())
def test_the_same_events_in_any_order_and_repetition_give_the_same_watch(
    data: st.DataObject, traces: list[list[Happening]], data_counts: bool
) -> None:
    rules = LifeRules(data_counts=data_counts)
    start = Watch(instant(120), 48 * 60 * MINUTE, 24 * 60 * MINUTE)
    once = [(h.kind, instant(h.minute), h.duration_s) for burst in traces for h in burst]
    repeated = [
        (kind, occurred_at.astimezone(data.draw(zones)), duration_s)
        for kind, occurred_at, duration_s in once
        for _ in range(data.draw(st.integers(1, 3)))
    ]
    shuffled = data.draw(st.permutations(repeated))
    assert record_all(start, shuffled, rules) == record_all(start, once, rules)
