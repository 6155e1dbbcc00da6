"""The operators' board (administrators see it too): each carrier's watermark and how far
it lags, events received per hour, channels that are down, and the outbox. Counts and
carriers only — no person, number or reference appears on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web import i18n, report_charts
from anbu.entrypoints.web.auth import anbu_of, requiring
from anbu.entrypoints.web.templating import SEOUL, templates
from anbu.services import officers, reports
from anbu.services.accounts import StaffUser
from anbu.services.reports import FeedBoard

router = APIRouter(include_in_schema=False)


BoardReader = Annotated[StaffUser, requiring(*reports.BOARD_ROLES)]


@router.get("/feeds", response_class=HTMLResponse)
def feeds_page(request: Request, user: BoardReader) -> Response:
    now = wall_clock()
    board = reports.feed_board(anbu_of(request), user, now)
    return templates.TemplateResponse(
        request,
        "feeds.html",
        {
            "user": user,
            "section": "feeds",
            "board": board,
            # Who acknowledged a channel's alert, by name (issue 14: names).
            "staff_names": officers.names(
                anbu_of(request), {a.acknowledged_by for a in board.channel_alerts}
            ),
            "hour_labels": _hour_labels(board),
            "chart": _events_chart(board, user.language),
        },
    )


def _hour_labels(board: FeedBoard) -> list[str]:
    return [hour.astimezone(SEOUL).strftime("%H:00") for hour in board.hours]


def _events_chart(board: FeedBoard, language: str) -> Markup:
    events = board.events
    totals = ", ".join(f"{carrier.value} {sum(counts):,}" for carrier, counts in events.items())
    return report_charts.lines(
        "chart-events",
        title=i18n.translate("feeds.events", language),
        description=i18n.translate("feeds.events_desc", language).format(totals=totals or "0"),
        categories=_hour_labels(board),
        series=[report_charts.Series(carrier.value, counts) for carrier, counts in events.items()],
        # The last hour is the current one, counted so far: not an outage.
        unfinished=i18n.translate("chart.unfinished", language),
    )
