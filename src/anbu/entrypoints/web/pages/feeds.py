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

i18n.add(
    {
        "feeds.title": ("통신사 자료와 발송 상태", "Feeds and delivery"),
        "feeds.as_of": ("기준 시각", "As of"),
        "feeds.carrier": ("통신사", "Carrier"),
        "feeds.watermark": ("자료 완료 시각", "Complete until"),
        "feeds.lag": ("지연", "Lag"),
        "feeds.allowed": ("허용 지연", "Allowed delay"),
        "feeds.state": ("상태", "State"),
        "feeds.alert": ("지연 알림", "Feed alert"),
        "feeds.never": ("받은 적 없음", "Never reported"),
        "feeds.stale": ("지연됨", "Stale"),
        "feeds.ok": ("정상", "OK"),
        "feeds.no_feeds": (
            "아직 자료를 보낸 통신사가 없습니다.",
            "No carrier has sent data yet.",
        ),
        "feeds.alert_since": ("{since}부터", "since {since}"),
        "feeds.events": ("시간대별 수신 건수 (최근 24시간)", "Events received per hour (24 h)"),
        "feeds.events_desc": (
            "최근 24시간 동안 통신사별로 받은 활동 기록 수. 합계: {totals}.",
            "Activity events received per carrier and hour over the last 24 hours. "
            "Totals: {totals}.",
        ),
        "feeds.events_table": ("숫자로 보기", "Show the numbers"),
        "feeds.hour": ("시각", "Hour"),
        "feeds.channels": ("발송 채널 장애", "Channels down"),
        "feeds.channels_none": ("장애 중인 채널이 없습니다.", "All channels are working."),
        "feeds.channel": ("채널", "Channel"),
        "feeds.failing_since": ("실패 시작", "Failing since"),
        "feeds.opened": ("알림 시각", "Alert opened"),
        "feeds.outbox": ("발송 대기열", "Outbox"),
        "feeds.outbox_none": ("아직 보낸 알림이 없습니다.", "No notifications yet."),
        "feeds.medium": ("수단", "Medium"),
        "feeds.oldest_queued": ("가장 오래 기다린 건", "Oldest waiting"),
        "feeds.notification.queued": ("대기", "Queued"),
        "feeds.notification.sent": ("보냄", "Sent"),
        "feeds.notification.delivered": ("전달됨", "Delivered"),
        "feeds.notification.failed": ("실패", "Failed"),
        "feeds.medium.sms": ("문자", "SMS"),
        "feeds.medium.email": ("이메일", "E-mail"),
    }
)


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
