"""One simulated hour at a time, through the product's real paths: the staff act on their
cases at their own instants within the hour, then each carrier's file is read by the feed
reader and ingested, the sweep runs at the step's instant and the messages it queued are
sent."""

from __future__ import annotations

import io
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from anbu.adapters.formats.activity_feed import FeedFormat, read_feed
from anbu.bootstrap import Anbu
from anbu.domain.kinds import AlertKind, Carrier
from anbu.domain.rejections import Rejection
from anbu.entrypoints.demo.carriers import Delivery, Outbox
from anbu.entrypoints.demo.casework import Casework, Event
from anbu.entrypoints.demo.notifying import Notifier, Sending
from anbu.entrypoints.demo.world import World
from anbu.services import case_views
from anbu.services.case_views import AlertLine
from anbu.services.ingest import IngestReport, ingest
from anbu.services.sweep import sweep


@dataclass
class Totals:
    """What the carriers sent and what the ingest made of it, so far."""

    stored: int = 0
    duplicates: int = 0
    late: int = 0
    unknown_numbers: int = 0
    rejected: int = 0

    def add(self, delivery: Delivery, report: IngestReport) -> None:
        self.stored += report.stored
        self.duplicates += report.duplicates
        self.late += delivery.late
        self.unknown_numbers += report.unknown_numbers
        self.rejected += report.rejected_count


@dataclass(frozen=True, slots=True)
class StepOutcome:
    index: int
    at: datetime
    deliveries: dict[Carrier, Delivery]
    rejections: list[tuple[Carrier, Rejection]]
    opened: list[AlertLine]
    recovered: list[Carrier]
    sending: Sending
    acted: list[Event]  # what the staff did in the hour before the step, in order
    followed: list[Event]  # what the step's messages began or moved on


@dataclass
class Simulation:
    app: Anbu
    world: World
    rng: random.Random
    notifier: Notifier
    totals: Totals = field(default_factory=Totals)
    opened: Counter[AlertKind] = field(default_factory=Counter)
    outboxes: dict[Carrier, Outbox] = field(init=False)
    casework: Casework = field(init=False)

    def __post_init__(self) -> None:
        # One malformed line, a third of the way through, shows that a bad line is
        # rejected with its reason while the rest of the file goes in.
        garble_at = self.world.timeline.steps // 3
        self.outboxes = {
            carrier: Outbox(
                carrier,
                random.Random(self.rng.getrandbits(64)),
                garble_at=garble_at if carrier is Carrier.LGU else None,
            )
            for carrier in Carrier
        }
        for person in self.world.people.values():
            self.outboxes[person.carrier].load(
                person.phone, self.world.traces[person.external_id], self.world.timeline
            )
        self.casework = Casework(self.app, self.world, random.Random(self.rng.getrandbits(64)))

    def step(self, index: int) -> StepOutcome:
        at = self.world.timeline.at(index)
        # Before this step's sweep: an acknowledgement within the hour stops the escalation.
        acted = self.casework.act(until=at)
        stall = self.world.plan.stall
        deliveries: dict[Carrier, Delivery] = {}
        rejections: list[tuple[Carrier, Rejection]] = []
        for carrier, outbox in self.outboxes.items():
            stalled = carrier is stall.carrier and stall.holds(at)
            delivery = outbox.deliver(index, at, stalled=stalled)
            if delivery is None:
                continue
            lines = read_feed(
                io.BytesIO(delivery.document),
                FeedFormat.JSONL,
                now=at,
                tolerance=self.app.future_tolerance,
            )
            # The step's instant stands in for the clock, so every stamp the product
            # writes (received, opened, resolved) is in simulated time.
            report = ingest(self.app, lines, now=at)
            self.totals.add(delivery, report)
            deliveries[carrier] = delivery
            rejections.extend((carrier, r) for r in report.rejected)
        swept = sweep(self.app, now=at)
        opened_ids = {o.id for o in swept.opened}
        opened = [row for row in self.alerts() if row.id in opened_ids] if opened_ids else []
        self.opened.update(row.alert.kind for row in opened)
        sending = self.notifier.send(at)
        followed = self.casework.follow(opened, sending, at)
        return StepOutcome(
            index,
            at,
            deliveries,
            rejections,
            opened,
            swept.recovered_feeds,
            sending,
            acted,
            followed,
        )

    def alerts(self) -> list[AlertLine]:
        return case_views.listing(self.app)
