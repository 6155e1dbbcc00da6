"""Reports for officers, leads, administrators and the duty desk: alerts per week, how fast
they were acknowledged and answered with a call or a visit, how they ended, and who is
enrolled — as tables, charts and CSV for Excel. Counts only; every view is audit-logged.
Operators see no casework: the page refuses them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from anbu.adapters.formats.spreadsheet import table_workbook
from anbu.domain.kinds import Group, Outcome
from anbu.domain.spread import Spread
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.durations import duration
from anbu.entrypoints.web import i18n, report_charts
from anbu.entrypoints.web.auth import anbu_of, requiring
from anbu.entrypoints.web.templating import SEOUL, templates
from anbu.services import reports
from anbu.services.accounts import StaffUser
from anbu.services.reports import (
    OUTCOME_ORDER,
    PERIODS,
    SUBJECT_KINDS,
    Report,
    ReportTable,
)

router = APIRouter(include_in_schema=False)


ReportReader = Annotated[StaffUser, requiring(*reports.REPORT_ROLES)]


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request, user: ReportReader, weeks: int = reports.DEFAULT_WEEKS
) -> Response:
    _check_weeks(weeks)
    found = reports.report(
        anbu_of(request), user, weeks=weeks, now=wall_clock(), cache=report_cache(request)
    )
    word = _words(user)
    return templates.TemplateResponse(
        request,
        "reports.html",
        {
            "user": user,
            "section": "reports",
            "report": found,
            "weeks": weeks,
            "periods": PERIODS,
            "kinds": SUBJECT_KINDS,
            "outcomes": OUTCOME_ORDER,
            "groups": list(Group),
            "outcome_key": _outcome_key,
            "duration": lambda span: duration(span, user.language),
            "scope": word("reports.scope_all") if user.whole_district else ", ".join(found.centres),
            "last_day": found.period.now.astimezone(SEOUL).date(),
            "charts": _charts(found, word),
            "tables": [t.value for t in ReportTable],
            "figures": FIGURES,
            "figure_counts": figure_counts,
        },
    )


@router.get("/reports.csv")
def reports_csv(
    request: Request,
    user: ReportReader,
    table: Annotated[ReportTable, Query()],
    weeks: int = reports.DEFAULT_WEEKS,
) -> Response:
    """One table as CSV in UTF-8 with a byte-order mark, so that Excel reads the Hangul."""
    rows, name = _exported(request, user, table, weeks, "csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([_cell(value) for value in row] for row in rows)
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports.xlsx")
def reports_xlsx(
    request: Request,
    user: ReportReader,
    table: Annotated[ReportTable, Query()],
    weeks: int = reports.DEFAULT_WEEKS,
) -> Response:
    """The same table as the CSV, as an Excel workbook: the same figures, numbers as
    numbers."""
    rows, name = _exported(request, user, table, weeks, "xlsx")
    sheet = _words(user)(f"reports.sheet.{table.value}")
    return Response(
        table_workbook(rows, sheet=sheet),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _exported(
    request: Request, user: StaffUser, table: ReportTable, weeks: int, suffix: str
) -> tuple[list[list[Cell]], str]:
    """The table's rows for a file, and the file's name; the export is audited with its
    format."""
    _check_weeks(weeks)
    now = wall_clock()
    found = reports.report(
        anbu_of(request),
        user,
        weeks=weeks,
        now=now,
        tables=(table,),
        exported=suffix,
        cache=report_cache(request),
    )
    day = now.astimezone(SEOUL).date().isoformat()
    return _table_rows(found, table, _words(user)), f"anbu-{table.value}-{weeks}w-{day}.{suffix}"


def report_cache(request: Request) -> reports.ReportCache:
    cache: reports.ReportCache = request.app.state.report_cache
    return cache


def _check_weeks(weeks: int) -> None:
    if weeks not in PERIODS:
        allowed = ", ".join(map(str, PERIODS))
        raise HTTPException(400, f"weeks must be one of {allowed}")


Words = Callable[[str], str]


def _words(user: StaffUser) -> Words:
    return lambda key: i18n.translate(key, user.language)


def _outcome_key(outcome: Outcome | None) -> str:
    return f"outcome.{outcome.value if outcome else 'open'}"


def _centre(name: str, word: Words) -> str:
    return name or word("reports.all")


def _week(start: date) -> str:
    return start.strftime("%m/%d")


# -- charts ------------------------------------------------------------------------------


def _charts(found: Report, word: Words) -> dict[str, Markup]:
    charts: dict[str, Markup] = {}
    weeks = found.weeks
    total = sum(row.total for row in weeks)
    peak = max(weeks, key=lambda row: row.total, default=None)
    charts["alerts"] = report_charts.columns(
        "chart-alerts",
        title=word("reports.alerts"),
        description=word("reports.alerts_desc").format(
            weeks=len(weeks),
            total=f"{total:,}",
            peak_week=_week(peak.week_start) if peak else "-",
            peak=f"{peak.total:,}" if peak else "0",
        ),
        categories=[_week(row.week_start) for row in weeks],
        series=[
            report_charts.Series(word(f"kind.{kind.value}"), [row.counts[kind] for row in weeks])
            for kind in SUBJECT_KINDS
        ],
        # The last week is the current one (`Period.now`), counted so far.
        unfinished=word("chart.unfinished"),
    )
    centres = [row for row in found.timings if row.centre]
    spans = [s for row in centres for s in (row.acknowledge.median, row.acknowledge.p90)]
    seconds, unit = _time_unit(spans)
    charts["timings"] = report_charts.bars(
        "chart-timings",
        title=word("reports.timings"),
        description=word("reports.timings_chart_desc"),
        categories=[row.centre for row in centres],
        series=[
            report_charts.Series(
                word("reports.ack_median"),
                [_in(row.acknowledge.median, seconds) for row in centres],
            ),
            report_charts.Series(
                word("reports.ack_p90"), [_in(row.acknowledge.p90, seconds) for row in centres]
            ),
        ],
        stacked=False,
        unit=word(unit),
        whole=False,
    )
    enrolled = [row for row in found.enrolment if row.centre]
    charts["enrolment"] = report_charts.bars(
        "chart-enrolment",
        title=word("reports.enrolment"),
        description=word("reports.enrolment_desc").format(
            total=f"{sum(row.total for row in enrolled):,}"
        ),
        categories=[row.centre for row in enrolled],
        series=[
            report_charts.Series(
                word(f"reports.group.{group.value}"), [row.counts[group] for row in enrolled]
            )
            for group in Group
        ],
    )
    return charts


def _time_unit(spans: list[timedelta | None]) -> tuple[float, str]:
    """The unit the table writes the longest of `spans` in, as `_duration` leads with it
    (minutes under an hour, hours under a day, then days), so that the chart's axis and the
    table beside it speak alike: its length in seconds and its word's key."""
    longest = max((s.total_seconds() for s in spans if s is not None), default=0.0)
    if longest < 3600:
        return 60.0, "unit.minutes"
    if longest < 24 * 3600:
        return 3600.0, "unit.hours"
    return 24 * 3600.0, "unit.days"


def _in(span: timedelta | None, seconds: float) -> float:
    return 0.0 if span is None else span.total_seconds() / seconds


# -- CSV and .xlsx ---------------------------------------------------------------------


# A figure, a text, or nothing (an empty cell): minutes and shares are floats.
Cell = str | int | float | None
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table_rows(found: Report, table: ReportTable, word: Words) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    if table is ReportTable.ALERTS_PER_WEEK:
        kinds = [word(f"kind.{kind.value}") for kind in SUBJECT_KINDS]
        rows.append([word("reports.week"), word("reports.centre"), *kinds, word("reports.total")])
        for week in found.weeks_by_centre:
            counts = [week.counts[kind] for kind in SUBJECT_KINDS]
            rows.append([week.week_start.isoformat(), week.centre, *counts, week.total])
    elif table is ReportTable.TIMINGS:
        minutes = word("reports.minutes_suffix")
        rows.append(
            [
                word("reports.centre"),
                word("reports.acknowledged"),
                f"{word('reports.ack_median')} {minutes}",
                f"{word('reports.ack_p90')} {minutes}",
                word("reports.contacted"),
                f"{word('reports.contact_median')} {minutes}",
                f"{word('reports.contact_p90')} {minutes}",
            ]
        )
        for timing in found.timings:
            rows.append(
                [
                    _centre(timing.centre, word),
                    *_spread(timing.acknowledge),
                    *_spread(timing.contact),
                ]
            )
    elif table is ReportTable.OUTCOMES:
        ends = [word(_outcome_key(outcome)) for outcome in OUTCOME_ORDER]
        share = f"{word('reports.false_alarm_share')} (%)"
        rows.append([word("reports.centre"), *ends, word("reports.total"), share])
        for ended in found.outcomes:
            counts = [ended.counts.get(outcome, 0) for outcome in OUTCOME_ORDER]
            rows.append(
                [
                    _centre(ended.centre, word),
                    *counts,
                    ended.total,
                    _percent(ended.false_alarm_share),
                ]
            )
    elif table is ReportTable.CENTRES:
        rows.append(_figures_head(word, first=[word("reports.centre")], contact=True))
        for figures in found.per_centre:
            rows.append(
                [
                    _centre(figures.centre, word),
                    *_figures_cells(figures),
                    _minutes(figures.to_contact),
                ]
            )
    elif table is ReportTable.TREND:
        first: list[Cell] = [word("reports.week"), word("reports.centre")]
        rows.append(_figures_head(word, first=first, contact=True))
        for figures in found.trend:
            start = figures.week_start.isoformat() if figures.week_start else ""
            rows.append(
                [
                    start,
                    _centre(figures.centre, word),
                    *_figures_cells(figures),
                    _minutes(figures.to_contact),
                ]
            )
    else:
        bands = [word(f"reports.group.{group.value}") for group in Group]
        rows.append([word("reports.centre"), *bands, word("reports.total")])
        for enrolled in found.enrolment:
            counts = [enrolled.counts[group] for group in Group]
            rows.append([_centre(enrolled.centre, word), *counts, enrolled.total])
    return rows


FIGURES = ("alerts_count", "false_alarms", "open_cases", "visit_needed")


def _figures_head(word: Words, *, first: list[Cell], contact: bool = False) -> list[Cell]:
    """Each count then its rate per 100 enrolled (the sheet's own columns, so that Excel
    can sort by either)."""
    head = [*first, word("reports.enrolled")]
    for key in FIGURES:
        head += [word(f"reports.{key}"), f"{word(f'reports.{key}')} {word('reports.per_hundred')}"]
    if contact:
        head.append(f"{word('reports.to_contact')} {word('reports.minutes_suffix')}")
    return head


def _figures_cells(figures: reports.CaseFigures) -> list[Cell]:
    cells: list[Cell] = [figures.enrolled]
    for count in figure_counts(figures):
        cells += [count, figures.per_hundred(count)]
    return cells


def figure_counts(figures: reports.CaseFigures) -> list[int]:
    """The counts in `FIGURES` order."""
    return [figures.alerts, figures.false_alarms, figures.open, figures.visit_needed]


def _spread(spread: Spread) -> list[Cell]:
    return [spread.count, _minutes(spread.median), _minutes(spread.p90)]


def _minutes(span: timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds() / 60, 1)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _cell(value: Cell) -> str | int:
    """A cell as CSV writes it: a fraction to one decimal, nothing as empty; a text that a
    spreadsheet would run as a formula is quoted (centre names are typed by
    administrators)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
