"""How the demo words times, counts and alerts: Korean first, times in Asia/Seoul."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from anbu.adapters.channels import Medium
from anbu.domain.kinds import AlertKind, AlertState, Outcome, Role
from anbu.entrypoints.clock import SEOUL
from anbu.entrypoints.demo.causes import Cause
from anbu.entrypoints.demo.staff import Member
from anbu.entrypoints.web.i18n import translate
from anbu.services.case_views import AlertLine

_WEEKDAYS = "월화수목금토일"
_HOUR = timedelta(hours=1)

# 연출 (staged) is what the demo planted; 자연 (natural) what ordinary life produced.
CAUSES = {
    Cause.PLANTED_SILENCE: "연출: 연락 끊김",
    Cause.PLANTED_SWITCH_OFF: "연출: 전원 꺼짐",
    Cause.NATURAL_QUIET: "자연: 조용한 분",
    Cause.NATURAL_GAP: "자연: 긴 공백",
    Cause.UNEXPLAINED: "설명 안 됨: 실제로는 연락이 있었음",
}

ROLES = {
    Role.OFFICER: "담당",
    Role.LEAD: "팀장",
    Role.ADMIN: "관리자",
    Role.OPERATOR: "운영자",
    Role.DUTY: "당직실",
}


def medium_word(medium: Medium) -> str:
    """문자 / 이메일: the pages' word (entrypoints/web/i18n.py)."""
    return translate(f"medium.{medium.value}", "ko")


def outcome_word(outcome: Outcome | None) -> str:
    """오경보, 통신사 자료 복구…: the pages' and `anbu alerts list`'s word for how a case
    ended (entrypoints/web/i18n.py); `진행 중` while it is open."""
    return "진행 중" if outcome is None else translate(f"outcome.{outcome.value}", "ko")


def state_word(state: AlertState) -> str:
    return translate(f"state.{state.value}", "ko")


def when(instant: datetime) -> str:
    """11월 24일(월) 09:15"""
    local = instant.astimezone(SEOUL)
    return f"{local.month}월 {local.day}일({_WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def day_and_time(instant: datetime) -> str:
    """21일 17:14, for narrow tables that span a few days."""
    local = instant.astimezone(SEOUL)
    return f"{local.day}일 {local:%H:%M}"


def hhmm(instant: datetime) -> str:
    return f"{instant.astimezone(SEOUL):%H:%M}"


def count(number: int) -> str:
    return f"{number:,}"


def hours(period: timedelta) -> str:
    """Whole hours as a number (48), for periods that are whole hours."""
    return f"{period / _HOUR:g}"


def member(who: Member) -> str:
    """담당 김민수 / 당직실 박정호"""
    return f"{ROLES[who.role]} {who.name}"


def members(told: Sequence[Member]) -> str:
    """One by name (팀장 김민수), several by role (담당 2명·팀장 1명)."""
    if len(told) == 1:
        return member(told[0])
    roles = Counter(m.role for m in told)
    return "·".join(f"{ROLES[role]} {roles[role]}명" for role in Role if roles[role])


def took(period: timedelta) -> str:
    """23분 / 1시간 5분, to the minute."""
    minutes = int(period.total_seconds() // 60)
    whole, rest = divmod(minutes, 60)
    if not whole:
        return f"{rest}분"
    return f"{whole}시간 {rest}분" if rest else f"{whole}시간"


def kind_label(row: AlertLine) -> str:
    """48시간 통화 없음 / 휴대전화 24시간 꺼짐 / 통신사 KT 자료 지연"""
    period = hours(
        row.alert.due_at - row.alert.base_at
    )  # no pauses in the demo: due = base + period
    if row.alert.kind is AlertKind.NO_ACTIVITY:
        return f"{period}시간 통화 없음"
    if row.alert.kind is AlertKind.PHONE_OFF:
        return f"휴대전화 {period}시간 꺼짐"
    return f"통신사 {row.alert.carrier} 자료 지연"
