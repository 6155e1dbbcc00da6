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
