"""What the demo shows while it runs: a header, a live dashboard, and one line for each
thing worth seeing (an alert opening, a message going out, staff taking charge and closing
a case, an escalation, a feed recovering, a rejected line, the narrator announcing a
planted incident)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence, Set
from datetime import datetime, timedelta

from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from anbu.adapters import catalogue
from anbu.adapters.channels import Medium
from anbu.domain.kinds import AlertKind, Carrier, Role
from anbu.domain.rejections import Rejection
from anbu.entrypoints.clock import SEOUL
from anbu.entrypoints.demo.casework import FIRST_TIER_WAIT, UNREACHED, Case, Event, Happened
from anbu.entrypoints.demo.incidents import Plan
from anbu.entrypoints.demo.notifying import Printed, Tally, Trouble
from anbu.entrypoints.demo.roster import Person
from anbu.entrypoints.demo.simulation import Totals
from anbu.entrypoints.demo.staff import Member
from anbu.entrypoints.demo.timeline import Timeline
from anbu.entrypoints.demo.wording import (
    ROLES,
    count,
    hhmm,
    kind_label,
    medium_word,
    member,
    members,
    outcome_word,
    took,
    when,
)
from anbu.entrypoints.durations import duration
from anbu.services.case_views import AlertLine
from anbu.services.feeds import FeedStatus
from anbu.services.imports import ImportReport

_SETTINGS = {Medium.SMS: "ANBU_SMS_URL", Medium.EMAIL: "ANBU_SMTP_URL"}
_COUNTED = (
    (AlertKind.NO_ACTIVITY, "통화 없음"),
    (AlertKind.PHONE_OFF, "휴대전화 꺼짐"),
    (AlertKind.FEED_STALE, "자료 지연"),
)

# -- before the run ---------------------------------------------------------------


def header(
    console: Console,
    *,
    people: int,
    timeline: Timeline,
    seconds: float,
    feed_delay: timedelta,
    where: str,
    earlier_demo: bool,
    real_media: Set[Medium],
) -> None:
    days = (timeline.end - timeline.start).days
    pace = f"약 {seconds:g}초에" if seconds > 0 else "최대한 빨리"
    lines = [
        f"17개 동 · {count(people)}명 · 통신사 3곳(SKT·KT·LGU) · {days}일을 {pace} 재생합니다",
        f"모의 기간  {when(timeline.start)} → {when(timeline.end)} (서울 시각)",
        f"데모 설정  통신사 자료 허용 지연을 {duration(feed_delay)}으로 둡니다 (기본값 6시간)",
        f"데이터베이스  {where}",
        _sending(real_media),
    ]
    if earlier_demo:
        lines.append("지난 데모 자료를 지우고 새로 시작합니다")
    title = "안부 데모 · 서울특별시 성동구 (anbu demo · Seongdong-gu)"
    console.print(Panel("\n".join(lines), title=title, expand=False), highlight=False)


def _sending(real: Set[Medium]) -> str:
    if not real:
        return "메시지 발송  문자·이메일을 화면에만 보여 줍니다 (console://, 실제 발송 없음)"
    how = " · ".join(
        f"{medium_word(m)} {'실제 발송' if m in real else '화면 표시'}" for m in Medium
    )
    return f"메시지 발송  {how} ({', '.join(_SETTINGS[m] for m in Medium if m in real)})"


def refused(console: Console, where: str) -> None:
    console.print(
        "[bold red]데모를 시작하지 않습니다.[/] 이 데이터베이스에는 데모가 아닌 자료가 있습니다:\n"
        f"  {where}\n"
        "데모는 이 자료를 지우거나 바꾸지 않습니다. 다른 곳을 지정해 실행하세요:\n"
        "  anbu demo --data-dir /tmp/anbu-demo   (또는 ANBU_DATA_DIR, ANBU_DATABASE_URL)\n"
        "[dim]The database holds data that is not the demo's; the demo leaves it untouched. "
        "Give --data-dir (or ANBU_DATA_DIR, ANBU_DATABASE_URL) another place.[/]",
        highlight=False,
    )


def real_sms_refused(console: Console, scheme: str | None) -> None:
    shown = f"({scheme}://…)" if scheme else ""
    console.print(
        "[bold red]데모를 시작하지 않습니다.[/] ANBU_SMS_URL 이 화면 표시(console://)가 아닌 "
        f"문자 발송{shown}으로 설정되어 있습니다.\n"
        "데모의 직원 전화번호는 지어낸 것이지만 실제 번호와 같은 꼴이라, 실제로 보내면 "
        "모르는 사람에게 문자가 갑니다.\n"
        "ANBU_SMS_URL 을 지우거나 console:// 로 두고 실행하세요. 데이터베이스는 건드리지 "
        "않았습니다.\n"
        "[dim]The demo does not run with a real SMS gateway: its staff numbers are invented "
        "but look real, so strangers would be texted. Unset ANBU_SMS_URL or set it to "
        "console://. The database was not touched.[/]",
        highlight=False,
    )


def unusable(console: Console, reason: str) -> None:
    console.print(f"[bold red]데모를 시작할 수 없습니다:[/] {reason}", highlight=False)


def done(console: Console, message: str) -> None:
    console.print(f"[green]✓[/] {message}", highlight=False)


def enrolled(console: Console, report: ImportReport, centres: int) -> None:
    done(
        console,
        f"대상자 등록 (subjects CSV → import): 신규 {count(report.created)}명 · "
        f"거부 {len(report.rejected)} · 동주민센터 {centres}곳",
    )


def staffed(console: Console, report: ImportReport, staff: list[Member]) -> None:
    roles = Counter(member.role for member in staff)
    shares = " · ".join(f"{ROLES[role]} {roles[role]}" for role in Role if roles[role])
    done(
        console,
        f"직원 등록 (officers CSV → import): 신규 {count(report.created)}명 ({shares}) · "
        f"거부 {len(report.rejected)}",
    )


# -- during the run ---------------------------------------------------------------


def line(console: Console, at: datetime, message: Text) -> None:
    console.print(Text.assemble((when(at), "dim"), "  ", message), highlight=False)


def opened(row: AlertLine, person: Person | None) -> Text:
    if person is None:
        return Text.assemble(
            ("⚠ 운영 알림  ", "bold yellow"),
            kind_label(row),
            (f" · 자료가 {hhmm(row.alert.base_at)}까지만 와 있음", "dim"),
        )
    same_day = (
        row.alert.due_at.astimezone(SEOUL).date() == row.alert.opened_at.astimezone(SEOUL).date()
    )
    due = hhmm(row.alert.due_at) if same_day else when(row.alert.due_at)
    return Text.assemble(
        ("⚠ 알림  ", "bold red"),
        f"{person.masked_name} · {person.dong} · {kind_label(row)}",
        (f" · 기한 {due} · {row.external_id}", "dim"),
    )


def sent(message: Printed) -> Text:
    """✉ 문자 → ***5678 · [안부] 마장동 김*수(SD-000123) 님 48시간 통화 없음"""
    medium = message.label.partition("(")[0]  # 문자(SMS) → 문자
    return Text.assemble(
        ("✉ ", "blue"), (f"{medium} → {message.address}", "blue"), " · ", message.headline
    )


def sent_elsewhere(medium: Medium, sent: int) -> Text:
    return Text(f"✉ {medium_word(medium)} {count(sent)}건 → 설정된 서버로 발송", style="blue")


def trouble(problem: Trouble, times: int) -> Text:
    then = "더 보내지 않습니다" if problem.final else "잠시 뒤 다시 보냅니다"
    return Text.assemble(
        ("✗ 발송 실패  ", "bold red"),
        f"{medium_word(problem.medium)} {count(times)}건 · ",
        (problem.error, "dim"),
        f" · {then}",
    )


def handled(event: Event) -> Text:
    """What the staff did, or what the demo made them miss."""
    case = event.case
    who = f"{case.person.masked_name} · {case.person.dong}"
    if event.what is Happened.LEFT:
        them = "분들" if len(case.told) > 1 else "분"
        return Text(
            f"[연출] 이 알림을 처음 받은 {them}({members(case.told)})이 자리를 비워 "
            f"{took(FIRST_TIER_WAIT)} 안에 아무도 접수하지 않습니다.",
            style="cyan",
        )
    if event.what is Happened.ESCALATED:
        assert event.escalation is not None  # an escalation event carries its step
        reached = members(event.escalation.told)
        silent = took(event.at - case.told_at)
        if case.acknowledged_at is None:
            why, english = f"첫 알림 뒤 {silent} 동안 접수 없음", "nobody acknowledged"
        else:
            why, english = "접수 뒤 연락 기록 없음", "no contact recorded"
        return Text.assemble(
            ("▲ 단계 상향  ", "bold yellow"), f"{who} — {why} → {reached} ({english}: escalated)"
        )
    actor = member(case.actor) if case.actor else ""
    if event.what is Happened.ACKNOWLEDGED:
        assert case.waited is not None  # acknowledged
        english = f"acknowledged after {case.waited.total_seconds() // 60:.0f} min"
        return Text.assemble(
            ("☑ 접수  ", "bold green"),
            f"{who} — {actor} · 첫 알림 {took(case.waited)} 뒤 ({english})",
        )
    if event.what is Happened.VISIT_NEEDED:
        return Text.assemble(
            ("⚑ 방문 필요  ", "bold red"),
            f"{who} — {actor} · “{UNREACHED}” → {actor} 방문 담당 ",
            ("(unreachable: the case stays open until someone has been to the door)", "dim"),
        )
    visit = f"{hhmm(case.visited_at)} 방문 · " if case.visited_at is not None else ""
    return Text.assemble(
        ("✓ 종결  ", "green"),
        f"{who} — {visit}{outcome_word(case.outcome)} · “{case.note}” ",
        (f"({actor})", "dim"),
    )


def recovered(carrier: Carrier) -> Text:
    return Text.assemble(
        ("✓ ", "green"), f"통신사 {carrier.value} 자료가 따라잡았습니다 · 운영 알림 자동 종료"
    )


def rejected(carrier: Carrier, rejection: Rejection) -> Text:
    return Text.assemble(
        ("✗ 거부  ", "magenta"),
        f"{carrier.value} 파일 ",
        (catalogue.rejection(rejection), "dim"),
        " · 나머지 줄은 저장",
    )


def more_rejected(hidden: int) -> Text:
    return Text(f"✗ 거부 {count(hidden)}건 더 (모두 합계에 셉니다)", style="magenta")


def narration(plan: Plan, before: datetime, at: datetime, backlog: int) -> list[Text]:
    """The narrator announces the planted incidents of the hour (before, at], which the
    product itself cannot know."""
    told: list[str] = []
    silence, off, stall = plan.silence, plan.switch_off, plan.stall
    if before < silence.at <= at:
        who = silence.person
        told.append(
            f"{who.masked_name} 님({who.dong}, {who.carrier.value})이 {hhmm(silence.at)} 이후 "
            "연락이 끊깁니다. 부재중 전화와 문자는 계속 옵니다."
        )
    if before < off.at <= at:
        who = off.person
        told.append(
            f"{who.masked_name} 님({who.dong}, {who.carrier.value})의 휴대전화가 "
            f"{hhmm(off.at)}에 꺼지고 다시 켜지지 않습니다."
        )
    if at == stall.starts_at:
        told.append(
            f"이제부터 {duration(stall.ends_at - stall.starts_at)} 동안 "
            f"{stall.carrier.value}가 자료도 기준 시각도 보내지 않습니다."
        )
    if at == stall.ends_at:
        told.append(
            f"{stall.carrier.value} 전송 재개: 밀린 자료 {count(backlog)}건과 "
            "기준 시각(워터마크)을 한꺼번에 보냅니다."
        )
    return [Text(f"[연출] {message}", style="cyan") for message in told]


def dashboard(
    at: datetime,
    index: int,
    steps: int,
    totals: Totals,
    feeds: Sequence[FeedStatus],
    alerts: Counter[AlertKind],
    post: Tally,
    cases: Sequence[Case],
) -> RenderableType:
    clock = Table.grid(padding=(0, 2))
    clock.add_row(
        when(at), ProgressBar(total=steps, completed=index, width=30), f"{index}/{steps}시간"
    )
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("모의 시각", clock)
    grid.add_row("받은 자료", _kept(totals))
    grid.add_row("버린 자료", _dropped(totals))
    ordered = sorted(feeds, key=lambda status: list(Carrier).index(status.carrier))
    grid.add_row("통신사", Text(" · ").join(_feed(status, at) for status in ordered))
    grid.add_row("알림", " · ".join(f"{label} {alerts[kind]}" for kind, label in _COUNTED))
    grid.add_row("보낸 메시지", _posted(post))
    grid.add_row("처리", _handling(cases))
    return Panel(grid, title="안부 · 성동구 (서울 시각)", expand=False)


def ingested(totals: Totals) -> str:
    return f"{_kept(totals)} · {_dropped(totals)}"


def _posted(post: Tally) -> Text:
    sent = " · ".join(f"{medium_word(m)} {count(post.sent[m])}" for m in Medium)
    failed = post.retrying + post.failed
    return Text.assemble(
        sent,
        (
            f" · 실패 {count(post.failed)} · 재시도 {count(post.retrying)}회",
            "bold red" if failed else "",
        ),
    )


def _handling(cases: Sequence[Case]) -> str:
    taken = sum(1 for c in cases if c.acknowledged_at is not None)
    closed = sum(1 for c in cases if c.resolved_at is not None)
    escalated = sum(1 for c in cases if c.escalations)
    waiting = len(cases) - taken
    return f"접수 {taken} · 종결 {closed} · 접수 기다림 {waiting} · 단계 상향 {escalated}"


def _kept(totals: Totals) -> str:
    return (
        f"저장 {count(totals.stored)} · 그중 늦게 도착 {count(totals.late)} · "
        f"중복 무시 {count(totals.duplicates)}"
    )


def _dropped(totals: Totals) -> str:
    return (
        f"미등록 번호 {count(totals.unknown_numbers)} · 형식 오류로 거부 {count(totals.rejected)}"
    )


def _feed(status: FeedStatus, at: datetime) -> Text:
    name = status.carrier.value
    if status.watermark is None:
        return Text(f"{name} 아직 없음", style="dim")
    if status.stale:
        lag = duration(at - status.watermark)
        return Text(f"{name} 지연 {hhmm(status.watermark)}까지 ({lag} 전)", style="bold yellow")
    return Text(f"{name} 정상 {hhmm(status.watermark)}까지", style="green")
