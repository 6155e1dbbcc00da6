"""`anbu evaluate`: one simulated district, replayed through `anbu backtest` once per policy
(the fixed rule at 24, 48, 72 and 96 hours, and personal detection), each scored against
the district's ground truth."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from anbu.adapters.formats.activity_feed import FeedFormat, read_feed
from anbu.entrypoints import backtesting
from anbu.entrypoints.evaluation.district import District, delivered, simulate, subjects_csv
from anbu.entrypoints.evaluation.scoring import Score, score
from anbu.settings import Settings

FIXED_HOURS = (24, 48, 72, 96)
# Whether personal detection is in the table.
PERSONAL_AVAILABLE = True
# Personal detection's hard maximum: serious by then at the latest, whatever the model says.
PERSONAL_MAXIMUM_HOURS = 96
# Hourly, as the carriers deliver: the scores read the instant each level fell due, not
# the sweep that saw it, so finer sweeps would only take longer.
SWEEP_EVERY = timedelta(minutes=60)


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    inactivity_hours: int
    detection: str | None  # the subjects CSV's `detection` column; None: no column

    @property
    def fixed(self) -> bool:
        return self.detection is None


def policies(personal: bool) -> list[Policy]:
    found = [Policy(f"fixed {h}h", h, None) for h in FIXED_HOURS]
    if personal:
        found.append(Policy("personal", PERSONAL_MAXIMUM_HOURS, "personal"))
    return found


def evaluate(
    settings: Settings,
    *,
    seed: int,
    people: int,
    days: int,
    chosen: Sequence[Policy],
    on_policy: Callable[[Policy], None] | None = None,
) -> tuple[District, list[Score]]:
    """Simulate the district once and score each policy on it."""
    district = simulate(seed, people, days)
    body = delivered(district)
    lines = list(
        read_feed(
            body.splitlines(keepends=True),
            FeedFormat.JSONL,
            now=district.end + timedelta(days=1),
            tolerance=settings.future_tolerance,
            arrivals=True,
        )
    )
    officers = len(district.centres())
    scores: list[Score] = []
    for policy in chosen:
        if on_policy is not None:
            on_policy(policy)
        result = backtesting.run(
            settings,
            subjects_csv(district, policy.inactivity_hours, policy.detection),
            lines,
            listed_at=district.end,
            start=district.start,
            end=district.end,
            every=SWEEP_EVERY,
        )
        scores.append(score(policy.name, district, result.findings, officers=officers))
    return district, scores


_TICKS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]


def plot(scores: Sequence[Score], path: Path) -> None:
    """Median delay against officer-facing false alerts: the fixed rule as a curve through
    its periods, personal detection as a point."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file
    from matplotlib import pyplot, ticker

    points = [
        (s.policy, s.false_alerts_per_1000_month, s.delay_median_h)
        for s in scores
        if s.delay_median_h is not None
    ]
    fixed = [(p, x, y) for p, x, y in points if p.startswith("fixed")]
    others = [(p, x, y) for p, x, y in points if not p.startswith("fixed")]
    figure, axes = pyplot.subplots(figsize=(7, 4.5), dpi=120)
    axes.plot([x for _, x, _ in fixed], [y for _, _, y in fixed], marker="o", label="fixed")
    for policy, x, y in fixed:
        label = policy.removeprefix("fixed ")
        axes.annotate(label, (x, y), textcoords="offset points", xytext=(6, 4))
    for policy, x, y in others:
        axes.plot([x], [y], marker="*", ms=14, label=policy)
    axes.set_xlabel("officer-facing false alerts per 1,000 people a month")
    axes.set_ylabel("median delay to the first officer-facing alert (h)")
    axes.set_xscale("symlog", linthresh=10)
    # Readable figures on the log axis, not powers of ten.
    axes.xaxis.set_major_locator(ticker.FixedLocator(_TICKS))
    axes.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes.xaxis.set_minor_locator(ticker.NullLocator())
    least = min((x for _, x, _ in points if x > 0), default=_TICKS[0])
    axes.set_xlim(left=max([t for t in _TICKS if t <= least * 0.8], default=0))
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
