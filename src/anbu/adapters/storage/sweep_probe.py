"""The sweep's first question, "is there anything to do?", asked in one statement. Never
commits.

A replay sweeps every 15 minutes for months and most of its sweeps find nothing: asking each
carrier's due people, the feeds' cases and the due escalation steps one statement and one
transaction at a time was most of a quiet sweep's cost. The probe asks the very conditions
those statements ask (`subjects.due_condition`, `alerts.step_due_condition`,
`alerts.resumed_condition`, `alerts.open_feed_condition`), so whatever it says is nothing, they
would have found nothing too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, bindparam, exists, select

from anbu.adapters.storage.alerts import (
    open_feed_condition,
    resumed_condition,
    step_due_condition,
)
from anbu.adapters.storage.subjects import due_condition
from anbu.adapters.storage.tables import Instant, alerts
from anbu.domain.kinds import Carrier


@dataclass(frozen=True, slots=True)
class SweepWork:
    """What a sweep at `now` would find, as the probe read it."""

    carriers: frozenset[Carrier]  # carriers with a person due by their watermark
    feed_cases: frozenset[Carrier]  # carriers whose feed has an open stale-feed case
    escalation: bool  # an open case's step is due, or its person showed life again


class SweepProbe:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def ask(
        self, until: Mapping[Carrier, datetime], feeds: Collection[Carrier], now: datetime
    ) -> SweepWork:
        """`until`: each carrier's instant to judge its people by; `feeds`: the carriers
        whose feed cases matter."""
        due = tuple(until)
        fed = tuple(feeds)
        values: dict[str, Any] = {f"until_{n}": until[c] for n, c in enumerate(due)}
        found = list(self.connection.execute(_probe(due, fed), values | {"now": now}).one())
        return SweepWork(
            carriers=frozenset(c for c, yes in zip(due, found, strict=False) if yes),
            feed_cases=frozenset(c for c, yes in zip(fed, found[len(due) :], strict=False) if yes),
            escalation=bool(found[-2] or found[-1]),
        )


@lru_cache(maxsize=16)
def _probe(due: tuple[Carrier, ...], fed: tuple[Carrier, ...]) -> Select[Any]:
    """Built once per set of carriers (a district has a handful): building the statement
    anew at every sweep cost as much as running it."""
    now = bindparam("now", type_=Instant())
    answers = [
        *(
            exists().where(due_condition(c, bindparam(f"until_{n}", type_=Instant())))
            for n, c in enumerate(due)
        ),
        *(exists().where(open_feed_condition(c)) for c in fed),
        exists().where(step_due_condition(now)),
        exists(select(alerts.c.id).where(resumed_condition())),
    ]
    return select(*(a.label(f"a{n}") for n, a in enumerate(answers)))
