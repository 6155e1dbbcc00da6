"""Scoring what detection raised against the ground truth of a simulated district.

An alert is *officer-facing* from the instant it reached `caution` or `serious` (the fixed
rule's alerts are serious when they fall due); an `attention` case only texts the person
(where the centre's policy sends self-checks), and is counted as such a text.
For a person whose planted incident struck at T, the first officer-facing instant at or
after T finds them, late by that much; an officer-facing alert about anyone alive at that
instant — everyone else, and the incident's person before T — is a false alert. An incident
nothing found is missed. Only what became officer-facing in the scored window counts.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from anbu.domain.alerts import PERSON_KINDS
from anbu.domain.rhythm import Level
from anbu.entrypoints.evaluation.district import District
from anbu.services.backtest import Findings
from anbu.services.case_views import AlertLine

MONTH = timedelta(days=30)
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Score:
    policy: str
    incidents: int
    missed: int
    delay_median_h: float | None
    delay_p95_h: float | None
    false_alerts_per_1000_month: float
    self_checks_per_1000_month: float
    alerts_per_officer_week: float

    def as_json(self) -> dict[str, object]:
        return {
            "policy": self.policy,
            "incidents": self.incidents,
            "missed": self.missed,
            "delay_median_h": _rounded(self.delay_median_h),
            "delay_p95_h": _rounded(self.delay_p95_h),
            "false_alerts_per_1000_month": round(self.false_alerts_per_1000_month, 1),
            "self_checks_per_1000_month": round(self.self_checks_per_1000_month, 1),
            "alerts_per_officer_week": round(self.alerts_per_officer_week, 2),
        }


def delay_against_fixed(found: Score, scores: Sequence[Score]) -> float | None:
    """`found`'s median delay as a share of the fixed rule's at the same false-alert rate:
    the fixed policies' points joined by straight lines (false alerts against delay), read
    at `found`'s false-alert rate. None when that rate lies outside the fixed curve (no
    fixed period gives it) or a delay is unknown."""
    curve = sorted(
        (s.false_alerts_per_1000_month, s.delay_median_h)
        for s in scores
        if s.policy.startswith("fixed") and s.delay_median_h is not None
    )
    x, delay = found.false_alerts_per_1000_month, found.delay_median_h
    if delay is None:
        return None
    for (x0, y0), (x1, y1) in itertools.pairwise(curve):
        if x0 <= x <= x1 and x1 > x0:
            fixed = y0 + (x - x0) / (x1 - x0) * (y1 - y0)
            return round(delay / fixed, 2) if fixed > 0 else None
    return None


def officer_facing_at(line: AlertLine) -> datetime | None:
    """When the alert first reached caution or serious; None if it never did."""
    return min(
        (at for level, at in line.alert.levels if level is not Level.ATTENTION), default=None
    )


def score(policy: str, district: District, found: Findings, *, officers: int) -> Score:
    incidents = district.incidents
    window = district.end - district.scored_from
    people = len(district.residents)
    per_person: dict[str, list[datetime]] = {}
    self_checks = 0
    for line in found.alerts:
        if line.alert.kind not in PERSON_KINDS or line.external_id is None:
            continue
        attention = dict(line.alert.levels).get(Level.ATTENTION)
        if attention is not None and district.scored_from <= attention <= district.end:
            self_checks += 1
        at = officer_facing_at(line)
        if at is not None and district.scored_from <= at <= district.end:
            per_person.setdefault(line.external_id, []).append(at)
    delays: list[float] = []
    false_alerts = 0
    missed = 0
    for reference, instants in per_person.items():
        struck = incidents.get(reference)
        after = sorted(t for t in instants if struck is not None and t >= struck)
        false_alerts += len(instants) - len(after)
        if after:
            assert struck is not None
            delays.append((after[0] - struck) / timedelta(hours=1))
    missed = sum(1 for reference in incidents if not _found(reference, per_person, incidents))
    months = window / MONTH
    officer_facing = sum(len(v) for v in per_person.values())
    return Score(
        policy=policy,
        incidents=len(incidents),
        missed=missed,
        delay_median_h=median(delays) if delays else None,
        delay_p95_h=_quantile(delays, 0.95),
        false_alerts_per_1000_month=false_alerts / people * 1000 / months,
        self_checks_per_1000_month=self_checks / people * 1000 / months,
        alerts_per_officer_week=officer_facing / max(officers, 1) / (window / WEEK),
    )


def _found(
    reference: str, per_person: dict[str, list[datetime]], incidents: dict[str, datetime]
) -> bool:
    return any(t >= incidents[reference] for t in per_person.get(reference, ()))


def _quantile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks (as numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
