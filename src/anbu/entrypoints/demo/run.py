"""`anbu demo`: Seongdong-gu simulated end to end through the real code paths — the
subjects and staff CSV imports, the carriers' JSON Lines ingest, the sweep, the dispatch
of its messages and the staff taking charge of each case — in accelerated time, ending at
the real clock, with a live view and a verdict at the end."""

from __future__ import annotations

import io
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.console import Console
from rich.live import Live

from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.bootstrap import Anbu, bootstrap, configured_channels
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.demo import database, report, screen
from anbu.entrypoints.demo.incidents import PlanError
from anbu.entrypoints.demo.notifying import Notifier, Sending, notices, staff_by_id
from anbu.entrypoints.demo.roster import subjects_csv
from anbu.entrypoints.demo.simulation import Simulation, StepOutcome
from anbu.entrypoints.demo.staff import staff_csv
from anbu.entrypoints.demo.timeline import ending_at
from anbu.entrypoints.demo.verdict import judge
from anbu.entrypoints.demo.wording import count
from anbu.entrypoints.demo.world import World, build_world
from anbu.services import feeds
from anbu.services.enrolment import enrol
from anbu.services.officers import import_officers
from anbu.settings import Settings

EXIT_OK = 0
EXIT_MISSED = 1  # a planted incident not flagged, a message not sent, a case not taken on
EXIT_REFUSED = 2  # bad sizes or channel URLs, a real SMS gateway, or a database not the demo's

# Shorter than the default six hours so that a stall shows within a few simulated days.
DEMO_FEED_DELAY_MINUTES = 180
_PEOPLE = range(50, 100_001)
_DAYS = range(3, 15)  # a 48-hour silence needs room to come due
_REJECTIONS_SHOWN = 3  # per step; the totals count them all
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,19}")


@dataclass(frozen=True, slots=True)
class _Request:
    people: int
    days: int
    seconds: float
    seed: int
    where: str
    earlier_demo: bool
    folder: str  # ANBU_DATA_DIR=…, for the commands that read the demo afterwards


def run_demo(
    settings: Settings, *, people: int, days: int, seconds: float, seed: int, console: Console
) -> int:
    """Run the demo; returns 0 when every planted incident was flagged as expected, every
    alert's messages went out and every case was taken charge of, 1 when not, 2 when it
    refused to start (a real SMS gateway, sizes, a channel URL it cannot use, or a
    database not its own) — having touched nothing."""
    began = time.monotonic()
    # The staff's numbers are invented but shaped like real ones (010-XXXX-XXXX): through
    # a real gateway, strangers would be texted. E-mail may go to a real server: the
    # addresses are @sd.example, a domain reserved never to deliver (RFC 2606), and a
    # developer may want to see the mails in a local catcher.
    sms_scheme = _scheme(settings.sms_url.get_secret_value())
    if sms_scheme != "console":
        screen.real_sms_refused(console, sms_scheme)
        return EXIT_REFUSED
    problem = _problem(people, days, seconds)
    if problem:
        screen.unusable(console, problem)
        return EXIT_REFUSED
    settings = settings.model_copy(
        update={"feed_max_delay_minutes": DEMO_FEED_DELAY_MINUTES, "feed_max_delay_by_carrier": {}}
    )
    # The console channels write here; the demo reads it after each step, so that their
    # raw text does not break the live view.
    buffer = io.StringIO()
    try:
        channels = configured_channels(settings, buffer)
    except ValueError as exc:
        screen.unusable(console, str(exc))
        return EXIT_REFUSED
    where = database.where(settings)
    claim = database.look(settings)
    if claim is database.Claim.NOT_OURS:
        screen.refused(console, where)
        return EXIT_REFUSED
    request = _Request(
        people,
        days,
        seconds,
        seed,
        where,
        earlier_demo=claim is database.Claim.EARLIER_DEMO,
        folder=database.looking(settings),
    )
    app = bootstrap(settings)
    try:
        return _demo(Notifier(app, channels, buffer), request, console, began)
    finally:
        app.close()


def _scheme(url: str) -> str | None:
    """The URL's scheme, as the channels read it; None when it does not look like one, so
    that a secret set by mistake in its place is never printed."""
    scheme, colon, _ = url.partition(":")
    scheme = scheme.strip().lower()
    return scheme if colon and _SCHEME.fullmatch(scheme) else None


def _problem(people: int, days: int, seconds: float) -> str | None:
    if people not in _PEOPLE:
        return f"--subjects must be {_PEOPLE.start}–{_PEOPLE.stop - 1} (given {people})"
    if days not in _DAYS:
        return f"--days must be {_DAYS.start}–{_DAYS.stop - 1} (given {days})"
    if not 0 <= seconds <= 3600:
        return f"--seconds must be 0–3600 (given {seconds:g})"
    return None


def _demo(notifier: Notifier, request: _Request, console: Console, began: float) -> int:
    app = notifier.app
    timeline = ending_at(wall_clock(), request.days)
    rng = random.Random(request.seed)
    feed_delay = timedelta(minutes=app.settings.feed_max_delay_minutes)
    try:
        world = build_world(
            rng,
            request.people,
            timeline,
            periods=app.periods,
            max_feed_delay=feed_delay,
        )
    except PlanError as exc:
        screen.unusable(console, str(exc))
        return EXIT_REFUSED
    database.take_over(app)
    screen.header(
        console,
        people=request.people,
        timeline=timeline,
        seconds=request.seconds,
        feed_delay=feed_delay,
        where=request.where,
        earlier_demo=request.earlier_demo,
        real_media=notifier.unprinted,
    )
    _enrol(app, world, console)
    _enrol_staff(app, world, console)
    simulation = Simulation(app, world, rng, notifier)
    _first_delivery(simulation, console)
    budget = max(0.0, request.seconds - (time.monotonic() - began))
    _play(simulation, console, budget)
    casework = simulation.casework
    missed = casework.missed.alert.id if casework.missed else None
    staff = staff_by_id(app, world.staff)
    verdict = judge(simulation.alerts(), world, app.rules, notices(app), staff, missed)
    cases = list(casework.cases.values())
    report.final(console, verdict, simulation.totals, request.where, request.folder, cases)
    return EXIT_OK if verdict.ok else EXIT_MISSED


def _enrol(app: Anbu, world: World, console: Console) -> None:
    people = list(world.people.values())
    start = world.timeline.start
    rows = read_subjects(subjects_csv(people), now=start, periods=app.periods)
    enrolment = enrol(app, rows, now=start, actor="demo")
    screen.enrolled(console, enrolment, centres=len({p.dong for p in people}))
    screen.done(
        console,
        f"생활 리듬 생성: 전화·문자·데이터 {count(world.trace_count)}건 "
        "(가입 동의 이후 지금까지, 심어 둔 사건 포함)",
    )


def _enrol_staff(app: Anbu, world: World, console: Console) -> None:
    """After the subjects: an officer's centre exists once its first person is enrolled."""
    start = world.timeline.start
    rows = read_officers(staff_csv(world.staff))
    imported = import_officers(app, rows, now=start, actor="demo")
    screen.staffed(console, imported, world.staff)


def _first_delivery(simulation: Simulation, console: Console) -> None:
    """Step 0: each carrier sends what happened since consent, in one file."""
    with console.status("통신사 첫 자료(가입 이후 기록)를 받는 중…"):
        outcome = simulation.step(0)
    sent = sum(d.events for d in outcome.deliveries.values())
    screen.done(console, f"통신사 첫 자료: 가입 이후 기록 {count(sent)}건 수신")
    _tell(simulation, outcome, console)


def _play(simulation: Simulation, console: Console, budget: float) -> None:
    steps = simulation.world.timeline.steps
    pace = _Pace(budget, steps)
    with Live(console=console, refresh_per_second=4) as live:
        for index in range(1, steps + 1):
            outcome = simulation.step(index)
            _tell(simulation, outcome, console)
            statuses = feeds.statuses(simulation.app, now=outcome.at)
            live.update(
                screen.dashboard(
                    outcome.at,
                    index,
                    steps,
                    simulation.totals,
                    statuses,
                    simulation.opened,
                    simulation.notifier.tally,
                    list(simulation.casework.cases.values()),
                )
            )
            pace.wait(index)


def _tell(simulation: Simulation, outcome: StepOutcome, console: Console) -> None:
    world = simulation.world
    at, plan = outcome.at, world.plan
    for event in outcome.acted:
        screen.line(console, event.at, screen.handled(event))
    backlog = outcome.deliveries[plan.stall.carrier].events if at == plan.stall.ends_at else 0
    for message in screen.narration(plan, at - world.timeline.step, at, backlog):
        screen.line(console, at, message)
    for carrier, rejection in outcome.rejections[:_REJECTIONS_SHOWN]:
        screen.line(console, at, screen.rejected(carrier, rejection))
    if len(outcome.rejections) > _REJECTIONS_SHOWN:
        hidden = len(outcome.rejections) - _REJECTIONS_SHOWN
        screen.line(console, at, screen.more_rejected(hidden))
    for row in outcome.opened:
        person = world.people.get(row.external_id or "")
        screen.line(console, at, screen.opened(row, person))
    for event in outcome.followed:
        screen.line(console, event.at, screen.handled(event))
    _tell_sending(console, at, outcome.sending)
    for carrier in outcome.recovered:
        screen.line(console, at, screen.recovered(carrier))


def _tell_sending(console: Console, at: datetime, sending: Sending) -> None:
    for message in sending.printed:
        screen.line(console, at, screen.sent(message))
    for medium, sent in sending.elsewhere.items():
        screen.line(console, at, screen.sent_elsewhere(medium, sent))
    for problem, times in sending.troubles.items():
        screen.line(console, at, screen.trouble(problem, times))


class _Pace:
    """Spreads the steps over the wall-time budget. It measures intervals only, so it
    uses the monotonic clock rather than the wall clock."""

    def __init__(self, budget: float, steps: int) -> None:
        self._began = time.monotonic()
        self._per_step = budget / steps if steps else 0.0

    def wait(self, steps_done: int) -> None:
        delay = self._began + steps_done * self._per_step - time.monotonic()
        if delay > 0:
            time.sleep(delay)
