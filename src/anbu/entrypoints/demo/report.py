"""The end of the demo on screen: who was flagged and why, how staff handled each case,
whether each planted incident was caught, whether every alert's messages went out, and
whether the alert left unanswered went up a tier."""

from __future__ import annotations

from datetime import timedelta

from rich import box
from rich.console import Console
from rich.table import Table

from anbu.adapters.channels import Medium
from anbu.entrypoints.demo.casework import FIRST_TIER_WAIT, Case
from anbu.entrypoints.demo.causes import Cause
from anbu.entrypoints.demo.screen import ingested
from anbu.entrypoints.demo.simulation import Totals
from anbu.entrypoints.demo.verdict import DeliveryCheck, Flagged, Verdict
from anbu.entrypoints.demo.wording import (
    CAUSES,
    count,
    day_and_time,
    hhmm,
    hours,
    kind_label,
    medium_word,
    member,
    members,
    outcome_word,
    state_word,
    took,
    when,
)

_MAX_ROWS = 50
_MINUTE = timedelta(minutes=1)


def final(
    console: Console,
    verdict: Verdict,
    totals: Totals,
    where: str,
    folder: str,
    cases: list[Case],
) -> None:
    console.print()
    console.rule("결과 (results)")
    console.print(f"받은 자료  {ingested(totals)}", highlight=False)
    console.print(f"보낸 메시지  {_posted(verdict.delivery)}", highlight=False)
    console.print(_flagged_table(verdict.flagged))
    console.print(_cases_table(cases))
    for ok, message in _checks(verdict):
        # None: nothing to judge (said why), which is no fault of the product.
        mark = "[dim]·[/]" if ok is None else "[green]✓[/]" if ok else "[bold red]✗[/]"
        console.print(f"{mark} {message}", highlight=False)
    console.print()
    console.print(
        f"`{folder} anbu alerts list` 로 알림 목록을, `{folder} anbu notifications list` 로 "
        "메시지 목록을 볼 수 있습니다 (the demo's own folder: give it to see them). "
        f"데이터베이스: {where}",
        highlight=False,
        markup=False,
    )
    if not verdict.ok:
        console.print("[bold red]데모 확인 실패 (demo check failed)[/]")


def _flagged_table(flagged: list[Flagged]) -> Table:
    table = Table(
        title=f"알림을 받은 분 {len(flagged)}건, 서울 시각 (who was flagged and why)",
        caption="연출 = 데모가 심어 둔 사건 (planted) · 자연 = 평소 생활의 공백 (natural)",
        # Tight columns so that the table fits an 80-column terminal unwrapped.
        box=box.SIMPLE_HEAD,
        padding=(0, 0),
        show_edge=False,
    )
    for column in ("대상자", "이름", "동", "기한"):
        table.add_column(column, no_wrap=True)
    table.add_column("알림")
    table.add_column("까닭 (why)")
    for item in flagged[:_MAX_ROWS]:
        table.add_row(
            item.alert.external_id,
            item.person.masked_name,
            item.person.dong,
            day_and_time(item.alert.alert.due_at),
            kind_label(item.alert),
            CAUSES[item.cause],
            style="red" if item.cause is Cause.UNEXPLAINED else None,
        )
    if len(flagged) > _MAX_ROWS:
        table.caption = f"… 외 {len(flagged) - _MAX_ROWS}건 (anbu alerts list) · {table.caption}"
    return table


def _cases_table(cases: list[Case]) -> Table:
    table = Table(
        title=f"처리 {len(cases)}건, 서울 시각 (how each case was handled)",
        caption="▲ = 첫 단계에서 접수가 없어 다음 단계가 맡음 (escalated, then acknowledged)",
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0),
        show_edge=False,
    )
    # Tight columns, the wait in minutes, so that the table fits an 80-column terminal.
    for column in ("대상자", "첫 알림", "받은 분", "접수", "걸림"):
        table.add_column(column, no_wrap=True)
    table.add_column("결과 (outcome)")
    for case in cases[:_MAX_ROWS]:
        taken = "대기 중" if case.actor is None or case.acknowledged_at is None else ""
        if not taken:
            assert case.actor is not None  # acknowledged
            taken = ("▲ " if case.escalations else "") + member(case.actor)
        if case.resolved_at is not None:
            result = outcome_word(case.outcome)
        else:
            result = "연락 중" if case.acknowledged_at is not None else ""
        table.add_row(
            case.alert.external_id,
            day_and_time(case.told_at),
            members(case.told),
            taken,
            f"{case.waited // _MINUTE}분" if case.waited is not None else "",
            result,
            style="yellow" if case.missed else None,
        )
    if len(cases) > _MAX_ROWS:
        table.caption = f"… 외 {len(cases) - _MAX_ROWS}건 (anbu alerts list) · {table.caption}"
    return table


def _posted(delivery: DeliveryCheck) -> str:
    sent = " · ".join(f"{medium_word(m)} {count(delivery.sent(m))}건" for m in Medium)
    return f"{sent} · 보내지 못함 {count(len(delivery.unsent))}건"


def _checks(verdict: Verdict) -> list[tuple[bool | None, str]]:
    checks = [_silence(verdict), _switch_off(verdict), _stall(verdict)]
    if verdict.unexplained:
        checks.append(
            (False, f"실제와 맞지 않는 알림 {len(verdict.unexplained)}건 (alerts not borne out)")
        )
    else:
        checks.append(
            (
                True,
                f"자연 발생 알림 {len(verdict.natural)}건: 모두 그동안 정말 연락이 없던 분 "
                "(natural alerts, each borne out by a real silence)",
            )
        )
    return [
        *checks,
        _delivered(verdict.delivery),
        _to_operator(verdict),
        _handled(verdict),
        _escalated(verdict),
    ]


def _silence(verdict: Verdict) -> tuple[bool, str]:
    caught, line = _planted("연락 끊김 (planted: falls silent)", verdict.silence, "마지막 신호 {}")
    if verdict.silence is None:
        return caught, line
    alert = verdict.silence.alert.alert
    if not verdict.silence_visited or alert.visit_needed_at is None or alert.visited_at is None:
        return False, f"{line} → 방문 기록 없이 끝남 (not ended with a visit)"
    assert alert.outcome is not None  # visited and closed
    return True, (
        f"{line} → {hhmm(alert.visit_needed_at)} 연락 안 됨·방문 필요 → "
        f"{hhmm(alert.visited_at)} 방문, {outcome_word(alert.outcome)} (ended with a visit)"
    )


def _switch_off(verdict: Verdict) -> tuple[bool, str]:
    return _planted("휴대전화 꺼짐 (planted: phone switched off)", verdict.switch_off, "{}에 꺼짐")


def _planted(label: str, caught: Flagged | None, began: str) -> tuple[bool, str]:
    """One planted incident's line: caught, with when it began and when it was flagged."""
    if caught is None:
        return False, f"{label}: 알림이 열리지 않았습니다"
    alert, person = caught.alert.alert, caught.person
    return True, (
        f"{label}: {person.masked_name} · {person.dong} — {began.format(when(alert.base_at))}, "
        f"{hours(alert.due_at - alert.base_at)}시간 뒤 기한 → {when(alert.opened_at)} 점검에서 알림"
    )


def _stall(verdict: Verdict) -> tuple[bool, str]:
    check = verdict.stall
    carrier = check.stall.carrier.value
    label = f"{carrier} 자료 지연 (planted: {carrier} feed stall)"
    states = ", ".join(
        f"{a.alert.carrier} "
        f"{outcome_word(a.alert.outcome) if a.alert.outcome else state_word(a.alert.state)}"
        for a in check.feed_alerts
    )
    message = (
        f"{label}: 운영 알림 {len(check.feed_alerts)}건 ({states or '없음'}), "
        f"지연 동안 {carrier} 대상자 알림 {len(check.during)}건"
    )
    if check.ok:
        message += " — 자료가 따라잡자 운영 알림은 저절로 닫혔습니다"
    return check.ok, message


def _delivered(delivery: DeliveryCheck) -> tuple[bool, str]:
    label = "메시지 발송 (every alert's messages sent)"
    alerts = len({n.alert_id for n in delivery.notices}) + len(delivery.untold)
    if delivery.ok:
        return True, (f"{label}: 알림 {alerts}건 모두 메시지가 나갔습니다 ({_posted(delivery)})")
    problems = []
    if delivery.untold:
        problems.append(f"메시지가 하나도 없는 알림 {len(delivery.untold)}건")
    if delivery.unsent:
        problems.append(f"보내지 못한 메시지 {len(delivery.unsent)}건 (anbu notifications list)")
    return False, f"{label}: {', '.join(problems) or '보낸 메시지가 없습니다'}"


def _to_operator(verdict: Verdict) -> tuple[bool, str]:
    label = "운영 알림 → 운영자 (feed alert sent to the operator)"
    feed_alerts = verdict.stall.feed_alerts
    if not feed_alerts:
        return False, f"{label}: 운영 알림이 열리지 않았습니다"
    missed = verdict.delivery.operator_untold
    if missed:
        return False, f"{label}: 운영자에게 가지 않은 운영 알림 {len(missed)}건"
    return True, f"{label}: {', '.join(kind_label(a) for a in feed_alerts)}"


def _handled(verdict: Verdict) -> tuple[bool, str]:
    check = verdict.handling
    label = "알림 처리 (every alert acknowledged or closed)"
    if not check.ok:
        return False, (
            f"{label}: 아무도 맡지 않은 알림 {len(check.unanswered)}건 · "
            f"연락 기록이 늦은 알림 {len(check.contact_overdue)}건 (anbu alerts list --open)"
        )
    parts = [f"종결 {len(check.closed)}건", f"접수 후 연락 중 {len(check.in_contact)}건"]
    if check.waiting:
        parts.append(f"막 열려 접수 전 {len(check.waiting)}건 (첫 단계 {took(FIRST_TIER_WAIT)} 안)")
    return True, f"{label}: 알림 {len(check.rows)}건 — {' · '.join(parts)}"


def _escalated(verdict: Verdict) -> tuple[bool | None, str]:
    check = verdict.escalation
    label = "접수 없을 때 단계 상향 (escalation when nobody acknowledges)"
    others = f", 그 밖에 첫 단계를 넘긴 알림 {len(check.others)}건" if check.others else ""
    alert, first, after = check.alert, check.first, check.next
    if alert is None:
        if check.others:
            return False, f"{label}: {others.removeprefix(', ')}"
        return None, f"{label}: 이번 모의에는 끝나기 전에 보여 줄 여유가 있는 알림이 없었습니다"
    who = f"{alert.external_id}"
    if first is None or after is None:
        return False, f"{label}: {who} — 다음 단계로 넘어가지 않았습니다{others}"
    story = (
        f"{who} — {hhmm(first.at)} {members(first.told)}에게 알림, "
        f"{took(after.at - first.at)} 동안 접수 없음 → {hhmm(after.at)} {members(after.told)}에게"
    )
    if alert.alert.acknowledged_at is not None:
        by = next((member(m) for m in after.told if m.login == alert.alert.acknowledged_by), None)
        story += f" → {hhmm(alert.alert.acknowledged_at)} {by or alert.alert.acknowledged_by} 접수"
    return check.ok, f"{label}: {story}{others}"
