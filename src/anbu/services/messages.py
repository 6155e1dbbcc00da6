"""What a notification says: the least personal data that lets an officer act."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from anbu.domain.kinds import AlertKind, Carrier

SEOUL = ZoneInfo("Asia/Seoul")


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
