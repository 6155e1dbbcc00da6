"""What a notification says: the least personal data that lets an officer act."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from anbu.adapters import catalogue
from anbu.domain.alerts import Alert
from anbu.domain.detection import Rule
from anbu.domain.kinds import AlertKind, Carrier
from anbu.domain.rhythm import Level

SEOUL = ZoneInfo("Asia/Seoul")

ACK_PREFIX = "확인(접수): "
# http(s) only: nothing else in a notification is a link, and no `javascript:` can become one.
_URL = re.compile(r"https?://[^\s<>\"']+")
# Punctuation that ends a sentence is not part of the address before it.
_TRAILING = ".,;:!?)]"
_FONT = "'Apple SD Gothic Neo','Malgun Gothic','Noto Sans KR',sans-serif"
_BODY_STYLE = (
    f"margin:0;padding:16px;background:#ffffff;color:#111111;font-family:{_FONT};"
    "font-size:16px;line-height:1.6"
)
_BUTTON_STYLE = (
    "display:inline-block;padding:12px 24px;background:#1d4ed8;color:#ffffff;"
    "font-weight:bold;text-decoration:none;border-radius:6px"
)


def seoul_moment(instant: datetime) -> str:
    """`11월 24일 14:02`, in Seoul time."""
    local = instant.astimezone(SEOUL)
    return f"{local.month}월 {local.day}일 {local:%H:%M}"


def subject_alert(
    kind: AlertKind,
    *,
    centre: str,
    masked_name: str,
    reference: str,
    since: datetime,
    hours: float,
) -> tuple[str, str]:
    """(subject line, text) for a person's alert: centre, masked name, reference, what
    happened and since when — no number, no address, no birth date."""
    who = f"{centre} {masked_name}({reference}) 님"
    span = f"{hours:g}시간"
    if kind is AlertKind.PHONE_OFF:
        what = f"휴대전화 {span} 꺼짐"
        text = (
            f"[안부] {who} {what}. {seoul_moment(since)}부터 꺼져 있습니다. 안부를 확인해 주세요."
        )
    else:
        what = f"{span} 통화 없음"
        text = (
            f"[안부] {who} {what}. 마지막 신호 {seoul_moment(since)}. "
            "전화나 방문으로 안부를 확인해 주세요."
        )
    return f"[안부] {centre} {masked_name} 님 {what}", text


def explain(alert: Alert) -> str:
    """Why the alert was raised, in plain Korean."""
    why = alert.reason
    if why is None or why.rule is Rule.FIXED or why.silent_for is None:
        period = why.period if why is not None and why.period else alert.due_at - alert.base_at
        return reason(alert.kind, period, _about(alert))
    silent = _span(why.silent_for)
    if why.silent_for >= why.period:
        return f"설정 최대 기간 {silent} 동안 통화·문자 기록 없음"
    expected = why.expected or 0.0
    usual = f" (평소 가장 긴 공백 {_span(why.usual_quiet)})" if why.usual_quiet else ""
    missed = f", 받지 않은 전화 {why.missed_calls}통" if why.missed_calls else ""
    if expected < 1.0:
        return f"평소보다 오래 {silent}째 통화·문자 기록이 없습니다{usual}{missed}"
    return (
        f"평소 이 시간대에는 통화·문자가 {expected:.0f}회쯤 있는데 {silent}째 기록이 "
        f"없습니다{usual}{missed}"
    )


def explain_short(alert: Alert) -> str:
    """Why, in the few words a text message has room for: "14시간째 무응답 (평소 최장 9시간),
    부재중 2통"."""
    why = alert.reason
    if why is None or why.rule is Rule.FIXED or why.silent_for is None:
        return explain(alert)
    if why.silent_for >= why.period:
        return f"설정 최대 {_span(why.silent_for)} 무응답"
    usual = f" (평소 최장 {_span(why.usual_quiet)})" if why.usual_quiet else ""
    missed = f", 부재중 {why.missed_calls}통" if why.missed_calls else ""
    return f"{_span(why.silent_for)}째 무응답{usual}{missed}"


def _about(alert: Alert) -> str:
    """What an alert about the system names: the late feed's carrier, the failing channel."""
    if alert.channel is not None:
        return alert.channel.value
    return alert.carrier.value if alert.carrier is not None else ""


def _span(period: timedelta | None) -> str:
    if period is None:
        return ""
    hours = period / timedelta(hours=1)
    if hours >= 48 and hours % 24 == 0:
        return f"{hours / 24:g}일"
    return f"{hours:.0f}시간" if hours >= 1 else f"{period / timedelta(minutes=1):.0f}분"


def reason(kind: AlertKind, period: timedelta, about: str = "") -> str:
    """Why an alert was raised, in plain Korean: the rule and its period (`about` names the
    carrier of a feed alert, the channel of a gateway alert)."""
    hours = f"{period / timedelta(hours=1):g}시간"
    if kind is AlertKind.NO_ACTIVITY:
        return f"설정 기간 {hours} 동안 통화·문자 기록 없음"
    if kind is AlertKind.PHONE_OFF:
        return f"휴대전화가 {hours} 넘게 꺼져 있음"
    if kind is AlertKind.FEED_STALE:
        return f"통신사 {about} 자료가 {hours} 넘게 도착하지 않음"
    minutes = f"{period / timedelta(minutes=1):g}분"
    return f"{'문자' if about == 'sms' else '이메일'} 발송이 {minutes} 넘게 실패"


def personal_alert(
    level: Level, *, centre: str, masked_name: str, reference: str, since: datetime, why: str
) -> tuple[str, str]:
    """(subject line, text) for a silence unusual for this person: the level, and why in a
    few words — not the period, which personal detection only uses as its last resort."""
    who = f"{centre} {masked_name}({reference}) 님"
    word = catalogue.text(f"level.{level.value}", catalogue.KOREAN)  # texts are in Korean
    text = (
        f"[안부·{word}] {who}: {why}. 마지막 신호 {seoul_moment(since)}. "
        "전화나 방문으로 안부를 확인해 주세요."
    )
    return f"[안부·{word}] {centre} {masked_name} 님 평소와 다른 무응답", text


def feed_alert(carrier: Carrier, since: datetime) -> tuple[str, str]:
    subject = f"[안부 운영] 통신사 {carrier.value} 자료 지연"
    text = (
        f"{subject}: {seoul_moment(since)}까지의 자료만 도착했습니다. "
        "그동안 이 통신사 대상자의 판정은 보류됩니다. 연계 상태를 확인해 주세요."
    )
    return subject, text


def self_check(centre: str) -> str:
    """To the person themself: nothing about why, only the one thing to do."""
    return f"[안부] 안녕하세요, {centre}입니다. 잘 지내고 계시지요? 괜찮으시면 1을 회신해 주세요."


def reminder(text: str) -> str:
    return f"[다시 알림] {text}"


def escalated(text: str, unanswered: timedelta) -> str:
    """A later tier's message: nobody told before has acknowledged for `unanswered`."""
    minutes = max(int(unanswered.total_seconds() // 60), 1)
    span = f"{minutes // 60}시간" if minutes % 60 == 0 else f"{minutes}분"
    return f"[상향 알림·{span} 미접수] {text}"


def guardian(masked_name: str, centre: str, hours: float) -> str:
    return (
        f"[안부] {masked_name} 님과 {hours:g}시간 넘게 연락이 닿지 않습니다. "
        f"가능하시면 안부를 확인해 주세요. {centre}에도 알렸습니다."
    )


def contact_reminder(who: str, hours: float) -> str:
    return (
        f"[안부] {who} 건을 확인하셨지만 {hours:g}시간 동안 전화·방문 기록이 없습니다. "
        "연락 결과를 기록해 주세요."
    )


def contact_escalation(who: str, login: str, hours: float) -> str:
    return (
        f"[안부] {who} 건을 {login} 님이 확인했으나 {hours:g}시간 동안 전화·방문 기록이 "
        "없습니다. 확인해 주세요."
    )


def visit_needed(who: str, since: datetime) -> tuple[str, str]:
    """(subject line, text) to the staff of a case nobody could reach: somebody must go."""
    subject = f"[안부·방문 필요] {who}"
    text = (
        f"[안부·방문 필요] {who}과 {seoul_moment(since)}부터 연락이 닿지 않아 방문이 "
        "필요합니다. 방문할 담당자가 안부 화면에서 '방문 담당'을 눌러 주세요."
    )
    return subject, text


def unvisited(text: str, waiting: timedelta) -> str:
    """A later tier's message about a case still waiting for somebody to take the visit."""
    minutes = max(int(waiting.total_seconds() // 60), 1)
    span = f"{minutes // 60}시간" if minutes % 60 == 0 else f"{minutes}분"
    return f"[상향 알림·{span} 방문 담당 없음] {text}"


def resumed(who: str, at: datetime) -> str:
    local = at.astimezone(SEOUL)
    return (
        f"[안부] {who}: {local:%H:%M} 휴대전화 사용 확인({seoul_moment(at)}). "
        "추가 알림은 멈춥니다. 처리 결과를 기록해 주세요."
    )


def gateway_down(medium: str, since: datetime) -> tuple[str, str]:
    name = "문자(SMS)" if medium == "sms" else "이메일"
    subject = f"[안부 운영] {name} 발송 장애"
    text = (
        f"{subject}: {seoul_moment(since)}부터 {name}이 발송되지 않고 재시도 중입니다. "
        "다른 경로의 알림은 계속 나갑니다. 게이트웨이를 확인해 주세요."
    )
    return subject, text


def email_html(subject: str, text: str) -> str:
    """The e-mail's HTML alternative to `text`: the same words, escaped, with the lines as
    they were, an http(s) address made a link and the acknowledgement line (`확인(접수):
    <url>`) a button. Self-contained: inline styles only, nothing fetched, nothing tracked
    — a mail client that loads nothing shows all of it."""
    blocks: list[str] = []
    lines: list[str] = []

    def paragraph() -> None:
        if lines:
            blocks.append('<p style="margin:0 0 16px">' + "<br>\n".join(lines) + "</p>")
            lines.clear()

    for line in text.strip("\n").split("\n"):
        link = _ack_link(line)
        if link is not None:
            paragraph()
            blocks.append(_ack_button(link))
        elif line.strip():
            lines.append(_linked(line))
        else:
            paragraph()
    paragraph()
    return (
        "<!DOCTYPE html>\n"
        '<html lang="ko">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(subject)}</title>\n"
        "</head>\n"
        f'<body style="{_BODY_STYLE}">\n'
        '<div style="max-width:560px">\n' + "\n".join(blocks) + "\n</div>\n</body>\n</html>\n"
    )


def _ack_link(line: str) -> str | None:
    """The address of an acknowledgement line, else None."""
    if not line.startswith(ACK_PREFIX):
        return None
    found = _URL.fullmatch(line[len(ACK_PREFIX) :].strip())
    return None if found is None else found[0]


def _ack_button(url: str) -> str:
    href = html.escape(url, quote=True)
    # The address is shown too, in words: an officer can see where the button leads.
    return (
        '<p style="margin:24px 0 8px">'
        f'<a href="{href}" style="{_BUTTON_STYLE}">확인(접수)하기</a></p>\n'
        '<p style="margin:0 0 16px;font-size:13px;color:#444444;word-break:break-all">'
        f"{html.escape(url)}</p>"
    )


def _linked(line: str) -> str:
    """One line, escaped, each http(s) address in it a link."""
    parts: list[str] = []
    end = 0
    for found in _URL.finditer(line):
        url = found[0].rstrip(_TRAILING)
        parts.append(html.escape(line[end : found.start()]))
        href = html.escape(url, quote=True)
        parts.append(f'<a href="{href}" style="color:#1d4ed8">{html.escape(url)}</a>')
        end = found.start() + len(url)
    parts.append(html.escape(line[end:]))
    return "".join(parts)
