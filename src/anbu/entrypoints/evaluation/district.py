"""A simulated district: its people (as the subjects CSV enrols them), their lives, the
planted incidents, and the lines the carriers deliver — hourly, a little late, once not at
all for most of a day — each stamped with when it was delivered, as `anbu backtest` reads
them."""

from __future__ import annotations

import csv
import io
import json
import random
from bisect import insort
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from anbu.adapters.formats.subjects_csv import COLUMNS
from anbu.domain.kinds import ActivityKind, Carrier
from anbu.domain.subjects import age_on
from anbu.entrypoints.clock import SEOUL
from anbu.entrypoints.demo.roster import ENROLLED_NUMBERS, draw_phone, korean_name
from anbu.entrypoints.demo.seongdong import DONGS
from anbu.entrypoints.evaluation.population import (
    DAY,
    HOUR,
    Life,
    Trace,
    carrier_of,
    draw_absences,
    draw_persona,
    traces,
)

# Share of people whose planted incident strikes within the scored window.
INCIDENT_SHARE = 0.1
# Carriers deliver every hour, this long after the hour, what they had by then; their
# watermark stays behind by the time a straggling record may still take.
DELIVERY_LAG = timedelta(minutes=7)
STRAGGLE = timedelta(minutes=50)


@dataclass(frozen=True, slots=True)
class Resident:
    reference: str
    name: str
    birth_date: date
    phone: str
    carrier: Carrier
    centre: str
    consent_at: datetime


@dataclass(frozen=True, slots=True)
class Outage:
    carrier: Carrier
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class District:
    start: datetime  # history begins (everyone has consented by then)
    scored_from: datetime  # what detection raises from here on is scored
    end: datetime
    residents: list[Resident]
    lives: dict[str, Life]  # by reference
    traces: dict[str, list[Trace]]
    outage: Outage

    @property
    def incidents(self) -> dict[str, datetime]:
        return {r: life.incident_at for r, life in self.lives.items() if life.incident_at}

    def centres(self) -> list[str]:
        return sorted({r.centre for r in self.residents})


def simulate(seed: int, people: int, days: int, *, learning_days: int = 14) -> District:
    """A district of `people` over `days`, its incidents planted after `learning_days` (the
    history detection may learn from first) and at least four days before the end (room
    for the slowest rule to find them)."""
    rng = random.Random(seed)
    start = datetime.combine(date(2026, 9, 7), time(), SEOUL)
    end = start + days * DAY
    scored_from = start + learning_days * DAY
    residents: list[Resident] = []
    lives: dict[str, Life] = {}
    found: dict[str, list[Trace]] = {}
    phones: set[str] = set()
    for index in range(people):
        phone = draw_phone(rng, ENROLLED_NUMBERS)
        while phone in phones:
            phone = draw_phone(rng, ENROLLED_NUMBERS)
        phones.add(phone)
        born = start.date() - timedelta(days=int(rng.uniform(40, 92) * 365.25))
        resident = Resident(
            reference=f"EV-{index + 1:05d}",
            name=korean_name(rng),
            birth_date=born,
            phone=phone,
            carrier=carrier_of(rng),
            centre=rng.choice(DONGS[:6]).name,
            consent_at=start - timedelta(days=rng.randint(1, 20)),
        )
        life = Life(draw_persona(rng, age_on(born, start.date())))
        life.away = draw_absences(rng, start, end)
        latest = end - 4 * DAY
        if rng.random() < INCIDENT_SHARE and latest > scored_from:
            life.incident_at = scored_from + (latest - scored_from) * rng.random()
            # Nobody charges the phone any more: it runs flat within a few days.
            life.battery_dies_at = life.incident_at + rng.uniform(1.0, 4.0) * DAY
        residents.append(resident)
        lives[resident.reference] = life
        found[resident.reference] = traces(rng, life, start, end)
    stalled = rng.choice(list(Carrier))
    outage_at = scored_from + (end - scored_from) * rng.uniform(0.2, 0.7)
    outage = Outage(stalled, outage_at, outage_at + rng.uniform(10, 30) * HOUR)
    return District(start, scored_from, end, residents, lives, found, outage)


def subjects_csv(district: District, inactivity_hours: int, detection: str | None) -> bytes:
    """The residents as the district's subjects CSV, everyone with one period (and, for a
    personal policy, the `detection` column)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = [*COLUMNS, "detection"] if detection else list(COLUMNS)
    writer.writerow(header)
    for r in district.residents:
        row = [
            r.reference,
            r.name,
            r.birth_date.isoformat(),
            r.phone,
            r.carrier.value,
            r.centre,
            f"서울 성동구 {r.centre} {r.reference[3:]}",
            str(inactivity_hours),
            "",
            r.consent_at.isoformat(),
        ]
        writer.writerow([*row, detection] if detection else row)
    return buffer.getvalue().encode("utf-8")


def delivered(district: District) -> bytes:
    """Every line the carriers delivered, JSON Lines in order of delivery, each stamped with
    its `received_at`: hourly batches (a stalled carrier's held back until it recovers),
    then the carrier's watermark."""
    pending: dict[Carrier, list[tuple[datetime, str]]] = {c: [] for c in Carrier}
    numbers = dict.fromkeys(Carrier, 0)
    by_carrier = {r.reference: r for r in district.residents}
    for reference, found in district.traces.items():
        resident = by_carrier[reference]
        for trace in found:
            numbers[resident.carrier] += 1
            document = _event(resident, trace, numbers[resident.carrier])
            insort(pending[resident.carrier], (trace.at, document))
    lines: list[str] = []
    outage = district.outage
    delivery = district.start + HOUR + DELIVERY_LAG
    while delivery <= district.end + HOUR:
        for carrier in Carrier:
            if carrier is outage.carrier and outage.starts_at <= delivery < outage.ends_at:
                continue  # the carrier sends nothing, not even its watermark
            cut = delivery - DELIVERY_LAG
            batch = pending[carrier]
            taken = 0
            while taken < len(batch) and batch[taken][0] <= cut:
                taken += 1
            stamp = delivery.isoformat()
            lines += [f'{doc[:-1]}, "received_at": "{stamp}"}}' for _, doc in batch[:taken]]
            del batch[:taken]
            mark = {
                "carrier": carrier.value,
                "kind": "watermark",
                "complete_until": (cut - STRAGGLE).isoformat(),
                "received_at": stamp,
            }
            lines.append(json.dumps(mark))
        delivery += HOUR
    return ("\n".join(lines) + "\n").encode("utf-8")


def _event(resident: Resident, trace: Trace, number: int) -> str:
    document: dict[str, object] = {
        "event_id": f"{resident.carrier.value}-{number:09d}",
        "carrier": resident.carrier.value,
        "phone": resident.phone,
        "kind": trace.kind.value,
        "occurred_at": trace.at.isoformat(),
    }
    if trace.duration_s is not None and trace.kind in (ActivityKind.CALL_IN, ActivityKind.CALL_OUT):
        document["duration_s"] = trace.duration_s
    return json.dumps(document, ensure_ascii=False)
