"""The `anbu` command line (Typer)."""

from __future__ import annotations

import getpass
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Annotated, BinaryIO, Literal, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from anbu.adapters.formats.timestamps import TimestampError, parse_instant
from anbu.domain import tokens
from anbu.domain.alerts import Alert, ContactKind, ContactResult, Refusal
from anbu.domain.centre_names import NewCentres
from anbu.domain.escalation import PolicyError
from anbu.domain.kinds import (
    AlertState,
    Detection,
    NotificationState,
    Outcome,
    Role,
    StatusFilter,
)
from anbu.domain.passwords import PasswordRefusedError
from anbu.domain.pauses import Pause
from anbu.domain.rejections import Rejection, UnreadableInputError
from anbu.domain.wording import Message
from anbu.entrypoints.clock import seoul, seoul_minute, wall_clock
from anbu.entrypoints.durations import ago, duration

# Each command imports the services, storage, formats and settings it uses inside its own
# body: the module itself loads only Typer, Rich and the domain, so that `anbu --help` or a
# typo costs a fraction of a second and no database layer (issue 15: start-up).
if TYPE_CHECKING:
    from anbu.adapters.formats.activity_feed import FeedLine
    from anbu.bootstrap import Anbu
    from anbu.entrypoints import backtesting
    from anbu.services import backtest, backups, people
    from anbu.services.case_views import AlertLine
    from anbu.services.imports import ImportReport
    from anbu.services.ingest import IngestReport
    from anbu.services.notifications import Listed
    from anbu.settings import Settings

# Exit codes, documented in docs/cli.md.
EXIT_OK = 0
EXIT_SOME_REJECTED = 1
EXIT_UNREADABLE = 2
EXIT_CHAIN_BROKEN = 1  # `audit verify`

app = typer.Typer(no_args_is_help=True, add_completion=False, help="anbu (안부): safety checks.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
subjects_app = typer.Typer(no_args_is_help=True, help="Enrolled people.")
alerts_app = typer.Typer(no_args_is_help=True, help="Alerts (cases).")
feeds_app = typer.Typer(no_args_is_help=True, help="Carrier feeds and their watermarks.")
events_app = typer.Typer(no_args_is_help=True, help="Raw activity events.")
officers_app = typer.Typer(no_args_is_help=True, help="Officers and other staff.")
centres_app = typer.Typer(no_args_is_help=True, help="Community centres and their policies.")
users_app = typer.Typer(no_args_is_help=True, help="Web accounts of staff.")
tokens_app = typer.Typer(no_args_is_help=True, help="Bearer tokens for the JSON API.")
notifications_app = typer.Typer(no_args_is_help=True, help="Messages about alerts.")
audit_app = typer.Typer(no_args_is_help=True, help="The audit log.")
app.add_typer(db_app, name="db")
app.add_typer(subjects_app, name="subjects")
app.add_typer(alerts_app, name="alerts")
app.add_typer(feeds_app, name="feeds")
app.add_typer(events_app, name="events")
app.add_typer(officers_app, name="officers")
app.add_typer(centres_app, name="centres")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(notifications_app, name="notifications")
app.add_typer(audit_app, name="audit")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

NowOption = Annotated[
    str | None,
    typer.Option("--now", help="The instant to act at (ISO 8601 with offset); default: the clock."),
]


def _now(text: str | None) -> datetime:
    if text is None:
        return wall_clock()
    try:
        return parse_instant(text)
    except TimestampError as exc:
        err.print(f"--now: {_said(exc)}", markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc


@contextmanager
def _anbu() -> Iterator[Anbu]:
    from anbu.bootstrap import bootstrap
    from anbu.settings import Settings

    anbu = bootstrap(Settings())
    try:
        yield anbu
    finally:
        anbu.close()


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


# `--lang` of this run (None: ANBU_LANGUAGE, else Korean); set by the app's callback.
_chosen_language: str | None = None


@app.callback()
def _options(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="ko (the default) or en: the language of reasons and words people read; "
            "ANBU_LANGUAGE sets it for every command. --json output is the same in both.",
        ),
    ] = None,
) -> None:
    from anbu.adapters import catalogue

    global _chosen_language
    _chosen_language = None if lang is None else catalogue.language_of(lang)


def _language() -> str:
    """`--lang`, else ANBU_LANGUAGE, read once a run: a table asks for every cell's word."""
    from anbu.adapters import catalogue
    from anbu.settings import Settings

    global _chosen_language
    if _chosen_language is None:
        _chosen_language = catalogue.language_of(Settings().language)
    return _chosen_language


def _said(error: Exception) -> str:
    """An error's words in the reader's language: a catalogue message rendered (a case not
    found carries one too), a case's refusal by its code, a policy refusal with its field,
    anything else as it reads."""
    from anbu.adapters import catalogue

    cause = error.__cause__
    reason = getattr(error, "reason", None)
    if isinstance(reason, Message):  # a MessageError's, or a case not found's
        return catalogue.say(reason, _language())
    if isinstance(reason, Refusal):
        return catalogue.text(f"refusal.{reason.value}", _language())
    if isinstance(cause, PolicyError):
        return catalogue.problem(cause.field, cause.reason, _language())
    return str(error)


def _print_rejections(rejections: list[Rejection], total: int) -> None:
    """Every refused line with all its problems: line, field and reason, in the reader's
    language."""
    from anbu.adapters import catalogue

    language = _language()
    for rejection in rejections:
        err.print(catalogue.rejection(rejection, language), markup=False, highlight=False)
    if total > len(rejections):
        more = catalogue.text("rejection.more", language, count=total - len(rejections))
        err.print(more, markup=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest revision."""
    from anbu.bootstrap import upgrade_schema
    from anbu.settings import Settings

    ran = upgrade_schema(Settings())
    out.print(_word("cli.schema_upgraded") if ran else _word("cli.schema_current"))


@subjects_app.command("import")
def subjects_import(
    file: Path,
    now: NowOption = None,
    new_centre: Annotated[
        list[str] | None,
        typer.Option(
            "--new-centre",
            help="Create this centre although its name is close to an existing one (repeatable).",
        ),
    ] = None,
    new_centres: Annotated[
        bool,
        typer.Option(
            "--new-centres", help="Create every centre named, however close to existing ones."
        ),
    ] = False,
) -> None:
    """Enrol or update people from a CSV (UTF-8 or CP949) or an Excel workbook (.xlsx);
    prints created/updated/rejected.

    Columns, under their English or Korean header:
    external_id 관리번호 · name 성명 · birth_date 생년월일 · phone 전화번호
    carrier 통신사 (SKT, KT, LGU) · centre 동 · address 주소
    consent_at 동의일시 (a Seoul time when it has no offset)
    inactivity_hours 무응답기준시간 · phone_off_hours 전원꺼짐기준시간 (empty: default)
    optional: guardian_phone 보호자연락처 · detection 감지방식 (fixed, personal)
    visit (optional): contact1_name/_relation/_phone 비상연락처1 이름/관계/전화 (to 3)
    · visit_notes 방문 메모; empty cells keep what is on file

    A centre not on file whose name is close to one that is (왕십리 도선동 for
    왕십리도선동) rejects the row, naming the close ones, unless --new-centre NAME or
    --new-centres allows creating it; other new centres are created and listed.

    `anbu subjects template` writes a file to fill in; docs/formats.md has the rest.
    """
    from anbu.adapters.formats.subjects_csv import read_subjects
    from anbu.services.enrolment import enrol

    allowed = NewCentres(frozenset(new_centre or ()), every=new_centres)
    _import_list(
        file,
        now,
        lambda anbu, data, at: enrol(
            anbu,
            read_subjects(data, now=at, periods=anbu.periods),
            now=at,
            actor=_actor(),
            new_centres=allowed,
        ),
    )


@subjects_app.command("list")
def subjects_list(
    centre: Annotated[str | None, typer.Option("--centre", help="Only this centre's.")] = None,
    status: Annotated[
        StatusFilter,
        typer.Option("--status", help="active (watched), withdrawn or any."),
    ] = StatusFilter.ACTIVE,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="JSON Lines: external_id, masked_name, centre, carrier, detection, "
            "inactivity_hours, phone_off_hours, status, paused, last_sign_at.",
        ),
    ] = False,
    now: NowOption = None,
) -> None:
    """Enrolled people, by reference: 관리번호, 이름 (masked: 김*수), 센터, 통신사, 감지 방식,
    무응답 기준, 꺼짐 기준, 상태, 마지막 생존 신호 (Seoul time, and how long ago). No phone
    number, address or birth date; every page listed is written to the audit log, as the
    people page's are. docs/cli.md."""
    from anbu.services import people

    at = _now(now)
    rows: list[people.RosterLine] = []
    with _anbu() as anbu:
        try:
            for page in people.roster(anbu, centre=centre, status=status, now=at, actor=_actor()):
                if not as_json:
                    rows.extend(page)
                    continue
                # A page at a time: a district's whole list never waits in memory.
                for row in page:
                    sys.stdout.write(json.dumps(_roster_document(row), ensure_ascii=False) + "\n")
        except people.UnknownCentreError as exc:
            err.print(_word("centre.unknown", name=centre), markup=False)
            raise typer.Exit(EXIT_SOME_REJECTED) from exc
    if as_json:
        return
    title = f"대상자 {len(rows):,}명{f' · {centre}' if centre else ''} · 서울 시각"
    table = Table(title=title, box=None, header_style="bold")
    headers = ("관리번호", "이름", "센터", "통신사", "감지 방식", "무응답 기준", "꺼짐 기준")
    for column in (*headers, "상태", "마지막 생존 신호"):
        table.add_column(column, overflow="fold", no_wrap=column == "관리번호")
    for row in rows:
        state = "subject.paused" if row.paused else f"subject.{row.status.value}"
        sign = (
            f"{seoul_minute(row.last_sign)} ({ago(at - row.last_sign)})"
            if row.last_sign
            else _word("subject.no_sign")
        )
        table.add_row(
            row.external_id,
            row.masked_name,
            row.centre,
            row.carrier,
            _word(f"detection.{row.detection.value}"),
            f"{_hours(row.inactivity)}시간",
            f"{_hours(row.phone_off)}시간",
            _word(state),
            sign,
        )
    out.print(table)


def _hours(span: timedelta) -> int | float:
    """A period in hours, as the district sets it (무응답기준시간 48)."""
    hours = span / timedelta(hours=1)
    return int(hours) if hours.is_integer() else hours


def _roster_document(row: people.RosterLine) -> dict[str, object]:
    return {
        "external_id": row.external_id,
        "masked_name": row.masked_name,
        "centre": row.centre,
        "carrier": row.carrier,
        "detection": row.detection.value,
        "inactivity_hours": _hours(row.inactivity),
        "phone_off_hours": _hours(row.phone_off),
        "status": row.status.value,
        "paused": row.paused,
        "last_sign_at": seoul(row.last_sign) or None,
    }


@subjects_app.command("template")
def subjects_template(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here; default: standard output.")
    ] = None,
    xlsx: Annotated[bool, typer.Option("--xlsx", help="An Excel workbook instead of CSV.")] = False,
    english: Annotated[
        bool, typer.Option("--english", help="English headers instead of Korean.")
    ] = False,
) -> None:
    """A subjects file to fill in: its header and one example row (CSV with a BOM, so that
    Excel shows the Hangul; or .xlsx). The columns are those of `anbu subjects import`
    (docs/formats.md, "Subjects file")."""
    from anbu.adapters.formats.subjects_csv import template_csv, template_xlsx

    korean = not english
    data = template_xlsx(korean=korean) if xlsx else template_csv(korean=korean)
    if output is not None:
        output.write_bytes(data)
    elif xlsx and sys.stdout.isatty():
        err.print(_word("cli.workbook_not_for_terminal"), markup=False)
        raise typer.Exit(EXIT_UNREADABLE)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


@officers_app.command("import")
def officers_import(file: Path, now: NowOption = None) -> None:
    """Create or update staff from a CSV (UTF-8 or CP949); prints created/updated/rejected.

    Columns: login · name · phone · email · centres (split by ;, each must exist) ·
    role (officer, lead, admin, operator, duty). docs/formats.md ("Staff list") has the
    rules; exit codes in docs/cli.md.
    """
    from anbu.adapters.formats.officers_csv import read_officers
    from anbu.services.officers import import_officers

    _import_list(
        file,
        now,
        lambda anbu, data, at: import_officers(anbu, read_officers(data), now=at, actor=_actor()),
    )


def _import_list(
    file: Path, now: str | None, run: Callable[[Anbu, bytes, datetime], ImportReport]
) -> None:
    """Read the file, run the import, print each rejection and the counts, set the exit code."""
    at = _now(now)
    data = _read(file)
    with _anbu() as anbu:
        try:
            report = run(anbu, data, at)
        except UnreadableInputError as exc:
            err.print(f"{file}: {_said(exc)}", markup=False)
            raise typer.Exit(EXIT_UNREADABLE) from exc
    _print_rejections(report.rejected, len(report.rejected))
    out.print(report.summary(), highlight=False)
    if report.new_centres:
        out.print(
            f"new centres {len(report.new_centres)}: {', '.join(report.new_centres)}",
            markup=False,
            highlight=False,
        )
    if report.rejected:
        raise typer.Exit(EXIT_SOME_REJECTED)


@officers_app.command("list")
def officers_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines.")] = False,
) -> None:
    """Staff logins, roles and centres (no names or contacts)."""
    from anbu.services.officers import listing as staff_listing

    with _anbu() as anbu:
        rows = staff_listing(anbu)
    if as_json:
        for row in rows:
            document = {
                "login": row.login,
                "role": row.role.value,
                "active": row.active,
                "centres": list(row.centres),
                "contact_problem": row.contact_problem,
            }
            sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"staff ({len(rows)})", box=None, header_style="bold")
    for column in ("login", "role", "centres", "contact problem"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.login, row.role.value, ", ".join(row.centres), row.contact_problem or "")
    out.print(table)


@centres_app.command("policy")
def centres_policy(
    centre: str,
    set_from: Annotated[
        Path | None,
        typer.Option("--set", help="Replace the policy with this JSON file ('-' for stdin)."),
    ] = None,
    default: Annotated[bool, typer.Option("--default", help="Go back to the default.")] = False,
) -> None:
    """Show a centre's escalation policy as JSON, or replace it (alerts already open keep
    the policy they opened with). The document's fields are in docs/notifications.md."""
    from anbu.services import centres

    with _anbu() as anbu:
        try:
            if set_from is not None or default:
                document = None if default else _policy_document(set_from)
                policy = centres.set_policy(anbu, centre, document, by=_actor(), now=wall_clock())
            else:
                policy = centres.policy(anbu, centre)
        except (centres.CentreError, UnicodeDecodeError) as exc:
            err.print(f"{centre}: {_said(exc)}", markup=False)
            raise typer.Exit(EXIT_UNREADABLE) from exc
    sys.stdout.write(json.dumps(policy.to_json(), ensure_ascii=False, indent=2) + "\n")


def _policy_document(file: Path | None) -> str:
    raw = sys.stdin.buffer.read() if file is None or str(file) == "-" else _read(file)
    return raw.decode("utf-8")


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        err.print(f"{file}: {exc.strerror}", markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc


@centres_app.command("detection")
def centres_detection(
    centre: str,
    chosen: Annotated[
        Detection | None,
        typer.Argument(help="fixed or personal; leave out to show the centre's default."),
    ] = None,
    now: NowOption = None,
) -> None:
    """Show or set how a centre's people are watched unless set for the person: the fixed
    period, or personal detection (the period then the hard maximum)."""
    from anbu.services import centres

    at = _now(now)
    with _anbu() as anbu:
        try:
            if chosen is None:
                out.print(centres.detection(anbu, centre).value, highlight=False)
                return
            moved = centres.set_detection(anbu, centre, chosen, by=_actor(), now=at)
        except centres.CentreError as exc:
            err.print(_said(exc), markup=False)
            raise typer.Exit(EXIT_SOME_REJECTED) from exc
    detection = _word(f"detection.{chosen.value}")
    out.print(
        _word("cli.detection_set", centre=centre, detection=detection, moved=moved),
        highlight=False,
    )


@subjects_app.command("pause")
def subjects_pause(
    external_id: str,
    starts: Annotated[str, typer.Option("--from", help="Start (ISO 8601 with offset).")],
    until: Annotated[
        str | None, typer.Option("--until", help="End; omit for 'until resumed'.")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="e.g. hospital stay, trip.")] = "",
    now: NowOption = None,
) -> None:
    """Suspend monitoring of one person over a period (a hospital stay, a trip)."""
    from anbu.services import subjects as subject_admin

    at = _now(now)
    try:
        pause = Pause(parse_instant(starts), parse_instant(until) if until else None)
    except (TimestampError, ValueError) as exc:
        err.print(f"pause: {_said(exc)}", markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    with _anbu() as anbu:
        if not subject_admin.pause(anbu, external_id, pause, reason, now=at, actor=_actor()):
            err.print(_word("cli.no_subject", ref=external_id), markup=False)
            raise typer.Exit(EXIT_SOME_REJECTED)
    until_text = seoul(pause.ends_at) or _word("cli.paused_until_resumed")
    start = seoul(pause.starts_at)
    out.print(_word("cli.paused", ref=external_id, start=start, until=until_text))


@subjects_app.command("withdraw")
def subjects_withdraw(external_id: str, now: NowOption = None) -> None:
    """Consent withdrawn: stop monitoring and remove the person's data."""
    from anbu.services import subjects as subject_admin

    at = _now(now)
    with _anbu() as anbu:
        if not subject_admin.withdraw(anbu, external_id, now=at, actor=_actor()):
            err.print(_word("cli.no_subject", ref=external_id), markup=False)
            raise typer.Exit(EXIT_SOME_REJECTED)
    out.print(_word("cli.withdrawn", ref=external_id), highlight=False)


@events_app.command("purge")
def events_purge(now: NowOption = None) -> None:
    """Delete raw events older than the retention period (ANBU_EVENT_RETENTION_DAYS)."""
    from anbu.services import subjects as subject_admin

    at = _now(now)
    with _anbu() as anbu:
        removed = subject_admin.purge_events(anbu, now=at)
    out.print(_word("cli.purged", count=removed), highlight=False)


@app.command("ingest")
def ingest_command(
    file: Annotated[str, typer.Argument(help="A .jsonl or .csv file, or - for stdin.")],
    now: NowOption = None,
) -> None:
    """Load activity events and watermarks (JSON Lines or CSV).

    Fields (a CSV's header): event_id · carrier (SKT, KT, LGU) · phone · kind (call_out,
    call_in, sms_out, sms_in, data, power_on, power_off, checkin) · occurred_at (ISO 8601
    with offset) · duration_s (optional); a watermark line: carrier · kind=watermark ·
    complete_until. docs/formats.md ("Activity events") has the rules.

    Exit 0: every line accepted; 1: some lines rejected (the rest are stored);
    2: nothing could be read (docs/cli.md).
    """
    from anbu.adapters.formats.activity_feed import format_for, read_feed
    from anbu.services.ingest import ingest

    at = _now(now)
    try:
        stream, size = _open_input(file)
    except OSError as exc:
        err.print(f"{file}: {exc.strerror}", markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    with stream, _anbu() as anbu:
        first = stream.peek(64)[:64] if hasattr(stream, "peek") else b""
        try:
            fmt = format_for(file, first)
            with _progress(size) as advance:
                lines = _counted(stream, advance)
                report = ingest(
                    anbu,
                    read_feed(lines, fmt, now=at, tolerance=anbu.future_tolerance),
                    now=at,
                )
        except UnreadableInputError as exc:
            err.print(f"{file}: {_said(exc)}", markup=False)
            raise typer.Exit(EXIT_UNREADABLE) from exc
    _print_rejections(report.rejected, report.rejected_count)
    _print_ingest(report)
    if report.rejected_count and report.accepted == 0:
        raise typer.Exit(EXIT_UNREADABLE)
    if report.rejected_count:
        raise typer.Exit(EXIT_SOME_REJECTED)


def _open_input(file: str) -> tuple[BinaryIO, int | None]:
    if file == "-":
        return sys.stdin.buffer, None
    path = Path(file)
    return path.open("rb"), path.stat().st_size


def _counted(stream: BinaryIO, advance: Callable[[int], object]) -> Iterator[bytes]:
    for line in stream:
        advance(len(line))
        yield line


@contextmanager
def _progress(size: int | None) -> Iterator[Callable[[int], object]]:
    """A Rich progress bar on a terminal for files of some size; silent otherwise."""
    if size is None or size < 1_000_000 or not err.is_terminal:
        yield lambda _n: None
        return
    columns = (TextColumn("ingest"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("ingest", total=size)
        yield lambda n: progress.advance(task, n)


def _print_ingest(report: IngestReport) -> None:
    out.print(
        f"lines {report.lines}: stored {report.stored}, duplicates {report.duplicates}, "
        f"unknown numbers {report.unknown_numbers}, not monitored {report.not_monitored}, "
        f"watermarks {report.watermarks}, rejected {report.rejected_count}",
        highlight=False,
    )


@app.command("backtest")
def backtest_command(
    subjects: Annotated[
        Path | None, typer.Option("--subjects", help="The people, as for `subjects import`.")
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option(
            "--events", help="Events and watermarks, as for `ingest` (`received_at` optional)."
        ),
    ] = None,
    centre: Annotated[
        str | None,
        typer.Option(
            "--centre",
            help="Replay this centre's retained history from the database instead, scored "
            "against the outcomes its officers recorded.",
        ),
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=1, max=3650, help="With --centre: days of history.")
    ] = 90,
    detection: Annotated[
        Detection | None,
        typer.Option("--detection", help="With --centre: watch everyone this way."),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Start (ISO 8601); default: the first line.")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="End (ISO 8601); default: the last line plus the longest period."
        ),
    ] = None,
    sweep_every: Annotated[
        int, typer.Option("--sweep-every", min=1, max=24 * 60, help="Minutes between sweeps.")
    ] = 15,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON Lines: one alert a line, then a summary.")
    ] = False,
    now: NowOption = None,
) -> None:
    """What would detection have done on this history? Replays it through the same ingest,
    detection and sweep, into a scratch database that is thrown away: the configured
    database is never changed, and no message is sent.

    --subjects has the columns of `anbu subjects import`, --events the fields of `anbu
    ingest` plus an optional received_at (docs/formats.md). The table: 대상자, 종류, 단계,
    기한, 열림, 상태, 까닭; --json as `alerts list --json` plus levels (docs/cli.md).
    """
    from anbu.entrypoints import backtesting
    from anbu.settings import Settings

    started = perf_counter()
    if centre is not None:
        if subjects is not None or events is not None:
            _usage(_word("cli.backtest_centre_alone"))
        _backtest_centre(centre, days, detection, sweep_every, as_json, _now(now), started)
        return
    if subjects is None or events is None:
        _usage(_word("cli.backtest_files_needed"))
    if detection is not None:
        _usage(_word("cli.backtest_detection_with_centre"))
    people = _read(subjects)
    start = _optional_instant("--from", from_)
    end = _optional_instant("--until", until)
    settings = Settings()
    lines = _replay_lines(events, settings)
    try:
        result = backtesting.run(
            settings,
            people,
            lines,
            # The list is today's: a consent after the history's last line is no error.
            listed_at=max(end or wall_clock(), wall_clock()),
            start=start,
            end=end,
            every=timedelta(minutes=sweep_every),
            on_span=None if as_json else _progress_of,
        )
    except UnreadableInputError as exc:
        err.print(f"{subjects}: {_said(exc)}", markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    except backtesting.SubjectsRefusedError as exc:
        # As `subjects import` would report them.
        _print_rejections(exc.rows, len(exc.rows))
        err.print(_word("cli.backtest_fix_rows", file=subjects), markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    except backtesting.NothingToReplayError as exc:
        _print_rejections([r for r in lines if isinstance(r, Rejection)], len(lines))
        err.print(_word("cli.backtest_nothing_accepted", file=events), markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    _print_replay(result, as_json, started)
    if result.report.rejected:
        raise typer.Exit(EXIT_SOME_REJECTED)


def _backtest_centre(
    centre: str,
    days: int,
    detection: Detection | None,
    sweep_every: int,
    as_json: bool,
    at: datetime,
    started: float,
) -> None:
    """The centre's retained history, read from the database (an audit line is all it
    writes), replayed in a scratch one and scored against its officers' verdicts."""
    from anbu.entrypoints import backtesting
    from anbu.services import centre_history

    with _anbu() as anbu:
        try:
            history = centre_history.read(
                anbu, centre, days=days, now=at, detection=detection, actor=_actor()
            )
        except centre_history.UnknownCentreError as exc:
            err.print(_word("centre.unknown", name=centre), markup=False)
            raise typer.Exit(1) from exc
        settings = anbu.settings
    try:
        result = backtesting.run(
            settings,
            history.people,
            history.lines,
            listed_at=at,
            start=history.since,
            end=history.until,
            every=timedelta(minutes=sweep_every),
            on_span=None if as_json else _progress_of,
        )
    except backtesting.NothingToReplayError as exc:
        err.print(_word("cli.backtest_no_events", centre=centre, days=days), markup=False)
        raise typer.Exit(1) from exc
    scored = centre_history.score(result.findings.alerts, history.cases)
    _print_replay(result, as_json, started, scored={"centre": centre, **scored.as_json()})
    if not as_json:
        out.print(
            f"{centre}, last {days} days: officers judged {scored.cases} cases "
            f"({scored.needed} needed someone, {scored.false_alarms} false alarms). "
            f"This detection raised {scored.needed_found} of those needed "
            f"(missed {scored.needed_missed}; told staff a median "
            f"{scored.earlier_h_median if scored.earlier_h_median is not None else '—'} h "
            f"earlier), {scored.false_alarms_raised} of the false alarms, and "
            f"{scored.unjudged} cases nobody judged.",
            highlight=False,
        )


def _print_replay(
    result: backtesting.Backtest,
    as_json: bool,
    started: float,
    scored: dict[str, object] | None = None,
) -> None:
    found, report = result.findings, result.report
    _print_rejections(report.rejected, len(report.rejected))
    if as_json:
        for line in found.alerts:
            sys.stdout.write(json.dumps(_backtest_document(line), ensure_ascii=False) + "\n")
        summary = _backtest_summary(found, report, perf_counter() - started)
        if scored is not None:
            summary["scored"] = scored
        sys.stdout.write(json.dumps({"summary": summary}, ensure_ascii=False) + "\n")
    else:
        _print_backtest(found, report, perf_counter() - started)


def _usage(message: str) -> NoReturn:
    err.print(message, markup=False)
    raise typer.Exit(EXIT_UNREADABLE)


def _optional_instant(option: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_instant(text)
    except TimestampError as exc:
        err.print(f"{option}: {_said(exc)}", markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc


def _replay_lines(file: Path, settings: Settings) -> list[FeedLine]:
    """Every line of the events file, each with its arrival (`received_at`) when it has one;
    a line may not claim to be later than its own arrival."""
    from anbu.adapters.formats.activity_feed import format_for, read_feed

    try:
        with file.open("rb") as stream:
            first = stream.peek(64)[:64]
            fmt = format_for(str(file), first)
            # No clock: a line is judged against its own arrival.
            return list(
                read_feed(
                    stream,
                    fmt,
                    now=datetime.max.replace(tzinfo=UTC) - timedelta(days=2),
                    tolerance=settings.future_tolerance,
                    arrivals=True,
                )
            )
    except OSError as exc:
        err.print(f"{file}: {exc.strerror}", markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    except UnreadableInputError as exc:
        err.print(f"{file}: {_said(exc)}", markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc


def _progress_of(first: datetime, last: datetime) -> Callable[[datetime], None]:
    """A Rich progress bar on stderr over the simulated time, on a terminal; it ends with
    the process."""
    if not err.is_terminal:
        return lambda _at: None
    total = max((last - first).total_seconds(), 1.0)
    columns = (TextColumn("backtest"), BarColumn(), TextColumn("{task.description}"))
    progress = Progress(*columns, console=err, transient=True)
    task = progress.add_task("", total=total)
    progress.start()

    def tick(at: datetime) -> None:
        progress.update(task, completed=(at - first).total_seconds(), description=seoul(at))
        if at >= last:
            progress.stop()

    return tick


def _backtest_document(line: AlertLine) -> dict[str, object]:
    alert = line.alert
    return {
        **_alert_document(line),
        "levels": [{"level": level.value, "at": seoul(at)} for level, at in alert.levels],
    }


def _backtest_summary(
    found: backtest.Findings, report: backtest.ReplayReport, seconds: float
) -> dict[str, object]:
    by_kind: dict[str, dict[str, int]] = {}
    for line in found.alerts:
        counts = by_kind.setdefault(line.alert.kind.value, {})
        counts[line.alert.level.value] = counts.get(line.alert.level.value, 0) + 1
    return {
        "alerts": by_kind,
        "from": seoul(report.started_at),
        "until": seoul(report.ended_at),
        "sweeps": report.sweeps,
        "lines": {
            "accepted": report.accepted,
            "rejected": len(report.rejected),
            "stored": report.stored,
            "duplicates": report.duplicates,
            "unknown_numbers": report.unknown_numbers,
            "not_monitored": report.not_monitored,
            "watermarks": report.watermarks,
        },
        "self_checks": found.self_checks,
        "staff_messages": found.staff_messages,
        "seconds": round(seconds, 3),
    }


def _print_backtest(
    found: backtest.Findings, report: backtest.ReplayReport, seconds: float
) -> None:
    title = f"backtest {seoul_minute(report.started_at)} → {seoul_minute(report.ended_at)}"
    table = Table(title=f"{title} · Asia/Seoul", box=None, header_style="bold")
    for column in ("대상자", "종류", "단계", "기한", "열림", "상태", "까닭"):
        table.add_column(column, overflow="fold", no_wrap=column == "대상자")
    for line in found.alerts:
        document = _backtest_document(line)
        alert = line.alert
        table.add_row(
            line.external_id or str(document["carrier"] or alert.channel or ""),
            _word(f"kind.{alert.kind.value}"),
            _word(f"level.{alert.level.value}"),
            seoul_minute(alert.due_at),
            seoul_minute(alert.opened_at),
            _alert_state(alert),
            str(document["reason"]),
        )
    out.print(table)
    summary = _backtest_summary(found, report, seconds)
    out.print(
        f"alerts {len(found.alerts)} · sweeps {report.sweeps} · lines accepted "
        f"{report.accepted}, rejected {len(report.rejected)} · self-check texts "
        f"{found.self_checks} · staff messages {found.staff_messages} (none sent) · "
        f"{summary['seconds']} s",
        highlight=False,
    )


@app.command("evaluate")
def evaluate_command(
    seed: Annotated[
        int, typer.Option(help="The district's seed: the same seed, the same run.")
    ] = 1,
    people: Annotated[int, typer.Option(min=20, max=20_000, help="People in the district.")] = 400,
    days: Annotated[int, typer.Option(min=21, max=180, help="Days of history.")] = 42,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per policy.")] = False,
    plot_to: Annotated[
        Path | None, typer.Option("--plot", help="Also draw delay against false alerts (PNG).")
    ] = None,
) -> None:
    """Simulate a district with planted incidents and score each detection policy on it,
    through `anbu backtest`: missed incidents, delay to the first officer-facing alert,
    false alerts, self-check texts and alerts per officer."""
    from anbu.entrypoints.evaluation import run as evaluation
    from anbu.entrypoints.evaluation.scoring import delay_against_fixed
    from anbu.settings import Settings

    settings = Settings()
    chosen = evaluation.policies(personal=evaluation.PERSONAL_AVAILABLE)

    def announce(policy: evaluation.Policy) -> None:
        if not as_json:
            err.print(f"backtest: {policy.name}", highlight=False)

    district, scores = evaluation.evaluate(
        settings, seed=seed, people=people, days=days, chosen=chosen, on_policy=announce
    )
    if as_json:
        for found in scores:
            document = found.as_json()
            if not found.policy.startswith("fixed"):
                document["delay_vs_fixed"] = delay_against_fixed(found, scores)
            sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
    else:
        title = (
            f"seed {seed} · {people} people · {days} days "
            f"({len(district.incidents)} incidents, scored from day "
            f"{(district.scored_from - district.start).days})"
        )
        table = Table(title=title, box=None, header_style="bold")
        columns = list(scores[0].as_json()) if scores else []
        for column in columns:
            justify: Literal["left", "right"] = "left" if column == "policy" else "right"
            table.add_column(column, justify=justify, no_wrap=True)
        for found in scores:
            table.add_row(*("" if v is None else str(v) for v in found.as_json().values()))
        # Piped into a file or a document, the columns keep their full names and figures.
        wide = out if out.is_terminal else Console(soft_wrap=True, width=160)
        wide.print(table)
        for found in scores:
            share = delay_against_fixed(found, scores)
            if not found.policy.startswith("fixed") and share is not None:
                wide.print(
                    f"{found.policy}: median delay {share}× the fixed rule's at the same "
                    "false-alert rate (the fixed curve read between its periods)",
                    highlight=False,
                )
    if plot_to is not None:
        evaluation.plot(scores, plot_to)
        if not as_json:
            out.print(_word("cli.plot_written", file=plot_to), highlight=False)


@app.command("sweep")
def sweep_command(now: NowOption = None) -> None:
    """Open the alerts that are due now (or at --now); re-running changes nothing. Prints,
    in Korean words, each alert opened (its kind and level, when it fell due), each feed
    recovered, each case the person closed by answering, and the counts (Asia/Seoul)."""
    from anbu.services.sweep import sweep

    at = _now(now)
    with _anbu() as anbu:
        report = sweep(anbu, now=at)
    for opened in report.opened:
        what = f"{_word(f'kind.{opened.kind.value}')} ({_word(f'level.{opened.level.value}')})"
        out.print(
            f"알림 {opened.id} 열림: {what} · 기한 {seoul_minute(opened.due_at)}",
            highlight=False,
        )
    for carrier in report.recovered_feeds:
        out.print(f"{carrier.value} {_word('outcome.feed_recovered')}", highlight=False)
    for alert_id in report.escalation.checked_in:
        out.print(f"알림 {alert_id} 종결: {_word('outcome.checked_in')}", highlight=False)
    out.print(
        f"점검 {seoul_minute(at)} (서울 시각): 새 알림 {len(report.opened)}건, "
        f"알림 단계 진행 {report.escalation.steps}건, "
        f"후속 안내 {len(report.escalation.followed_up)}건",
        highlight=False,
    )


@app.command("dispatch")
def dispatch_command(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    now: NowOption = None,
    every: Annotated[float, typer.Option(help="Seconds between passes when looping.")] = 5.0,
) -> None:
    """Deliver queued notifications (SMS, e-mail) with retries; loops until stopped."""
    from anbu.bootstrap import configured_channels
    from anbu.services.dispatch import dispatch
    from anbu.settings import Settings

    settings = Settings()
    try:
        channels = configured_channels(settings, sys.stdout)
    except ValueError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    stop = _stop_on_signals()
    with _anbu() as anbu:
        while True:
            report = dispatch(anbu, channels, now=_now(now))
            if report.handled:
                out.print(
                    f"sent {len(report.sent)}, retrying {len(report.retrying)}, "
                    f"failed {len(report.failed)}",
                    highlight=False,
                )
            if once or stop.wait(every):
                return


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so a loop ends between passes, never mid-send."""
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda _signum, _frame: stop.set())
    return stop


@notifications_app.command("list")
def notifications_list(
    alert: Annotated[int | None, typer.Option(help="Only this alert's notifications.")] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="JSON Lines: id, alert_id, officer_id, recipient, step, medium, key, state, "
            "attempts, next_attempt_at, sent_at, delivered_at, last_error, provider_ref.",
        ),
    ] = False,
) -> None:
    """Messages about alerts, in words: 번호, 알림, 받는 사람, 단계, 수단, 상태, 시도,
    보낸 시각, 수신 확인, 마지막 오류 (Asia/Seoul). No address is shown: staff by login, the
    person and their guardian by who they are. `--json` has the codes: docs/cli.md."""
    from anbu.services import notifications

    with _anbu() as anbu:
        rows = notifications.listing(anbu, alert)
        logins = notifications.logins(anbu, rows) if not as_json else {}
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(_notification_document(row), ensure_ascii=False) + "\n")
        return
    table = Table(title=f"메시지 {len(rows)}건 · 서울 시각", box=None, header_style="bold")
    columns = (
        "번호",
        "알림",
        "받는 사람",
        "단계",
        "수단",
        "상태",
        "시도",
        "보낸 시각",
        "수신 확인",
    )
    for column in (*columns, "마지막 오류"):
        table.add_column(column, overflow="fold", no_wrap=column in {"번호", "알림"})
    for row in rows:
        who = _word(f"recipient.{row.recipient}")
        if row.officer_id is not None:
            who = f"{who} {logins.get(row.officer_id) or f'#{row.officer_id}'}"
        table.add_row(
            str(row.id),
            str(row.alert_id),
            who,
            row.step,
            _word(f"medium.{row.medium}"),
            _word(f"notification.{row.state}"),
            str(row.attempts),
            seoul_minute(row.sent_at),
            seoul_minute(row.delivered_at),
            row.last_error or "",
            style="red" if row.state == NotificationState.FAILED else None,
        )
    out.print(table)


def _notification_document(row: Listed) -> dict[str, object]:
    return {
        "id": row.id,
        "alert_id": row.alert_id,
        "officer_id": row.officer_id,
        "recipient": row.recipient,
        "step": row.step,
        "medium": row.medium,
        "key": row.key,
        "state": row.state,
        "attempts": row.attempts,
        "next_attempt_at": seoul(row.next_attempt_at),
        "sent_at": seoul(row.sent_at) or None,
        "delivered_at": seoul(row.delivered_at) or None,
        "last_error": row.last_error,
        "provider_ref": row.provider_ref,
    }


@alerts_app.command("ack")
def alerts_ack(
    alert_id: int,
    by: Annotated[str, typer.Option("--by", help="The staff login taking charge.")],
    now: NowOption = None,
) -> None:
    """Take charge of a case (stops its escalation)."""
    from anbu.services import cases as case_handling

    at = _now(now)
    _case_command(lambda anbu: case_handling.acknowledge(anbu, alert_id, by=by, now=at))
    out.print(_word("cli.acknowledged", alert=alert_id, by=by), highlight=False)


@alerts_app.command("contact")
def alerts_contact(
    alert_id: int,
    kind: Annotated[ContactKind, typer.Option(help="call, visit or note.")],
    by: Annotated[str, typer.Option("--by", help="The staff login who called or went.")],
    result: Annotated[
        ContactResult | None,
        typer.Option(help="reached, not_reached or other (for a call or a visit)."),
    ] = None,
    note: Annotated[str, typer.Option(help="What happened; kept sealed on the case.")] = "",
    now: NowOption = None,
) -> None:
    """Record a call, a visit or a note on a case; prints what was recorded in words
    (`알림 3: 전화 (연락됨) 기록`)."""
    from anbu.services import cases as case_handling

    at = _now(now)
    _case_command(
        lambda anbu: case_handling.record_contact(
            anbu, alert_id, by=by, kind=kind, result=result, note=note, now=at
        )
    )
    recorded = _word(f"contact.{kind.value}")
    if result is not None:
        recorded += f" ({_word(f'contact_result.{result.value}')})"
    out.print(f"알림 {alert_id}: {recorded} 기록", highlight=False)


@alerts_app.command("visit-needed")
def alerts_visit_needed(
    alert_id: int,
    by: Annotated[str, typer.Option("--by", help="The staff login who could not reach them.")],
    note: Annotated[str, typer.Option(help="What was tried; kept sealed on the case.")] = "",
    now: NowOption = None,
) -> None:
    """Nobody could reach the person: the case stays open and waits for a visit."""
    from anbu.services import cases as case_handling

    at = _now(now)
    _case_command(lambda anbu: case_handling.need_visit(anbu, alert_id, by=by, note=note, now=at))
    out.print(f"알림 {alert_id}: {_word('state.visit_needed')}", highlight=False)


@alerts_app.command("resolve")
def alerts_resolve(
    alert_id: int,
    outcome: Annotated[
        Outcome,
        typer.Option(
            help="safe, hospitalised, deceased, door_opened or false_alarm; "
            "unreachable_visit_needed moves the case to waiting for a visit."
        ),
    ],
    by: Annotated[str, typer.Option("--by", help="The staff login closing the case.")],
    note: Annotated[
        str, typer.Option(help="Why, e.g. for a false alarm: phone lost (kept sealed).")
    ] = "",
    now: NowOption = None,
) -> None:
    """Close a case with its outcome; prints it in words (`알림 3 종결: 오경보`)."""
    from anbu.services import cases as case_handling

    at = _now(now)
    alert = _case_command(
        lambda anbu: case_handling.resolve(anbu, alert_id, outcome, by=by, note=note, now=at)
    )
    if alert.state is AlertState.VISIT_NEEDED:
        out.print(f"알림 {alert_id}: {_word('state.visit_needed')}", highlight=False)
        return
    out.print(f"알림 {alert_id} 종결: {_word(f'outcome.{outcome.value}')}", highlight=False)


def _case_command(act: Callable[[Anbu], Alert]) -> Alert:
    """Run a case command; a refusal (missing or out of reach, or not allowed as the case
    is) is printed and exits 1."""
    from anbu.services import cases as case_handling

    with _anbu() as anbu:
        try:
            return act(anbu)
        except (case_handling.CaseNotFound, case_handling.CaseRefused) as exc:
            err.print(_said(exc), markup=False)
            raise typer.Exit(EXIT_SOME_REJECTED) from exc


@alerts_app.command("list")
def alerts_list(
    as_json: Annotated[
        bool,
        typer.Option("--json", help="JSON Lines, one alert a line, with codes (docs/cli.md)."),
    ] = False,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only alerts not yet resolved.")
    ] = False,
) -> None:
    """Alerts, in words: 번호, 대상자, 센터, 종류, 단계, 상태 (or how it ended), 기한, 열림,
    재개 (Asia/Seoul). `--json` has every field with codes (kind, state, outcome, level):
    docs/cli.md."""
    from anbu.services import case_views

    states = [s for s in AlertState if s is not AlertState.RESOLVED] if open_only else None
    with _anbu() as anbu:
        lines = case_views.listing(anbu, states=states)
    if as_json:
        for line in lines:
            sys.stdout.write(json.dumps(_alert_document(line), ensure_ascii=False) + "\n")
        return
    table = Table(title=f"알림 {len(lines)}건 · 서울 시각", box=None, header_style="bold")
    for column in ("번호", "대상자", "센터", "종류", "단계", "상태", "기한", "열림", "재개"):
        # Whole values, never an ellipsis: a cut-off reference is worse than a wrapped one.
        table.add_column(column, overflow="fold", no_wrap=column in {"번호", "대상자"})
    for line in lines:
        alert = line.alert
        about = line.external_id
        if about is None:
            about = (
                f"통신사 {alert.carrier}"
                if alert.carrier
                else f"발송 채널 {_word(f'medium.{alert.channel}')}"
            )
        table.add_row(
            str(alert.id),
            about,
            line.centre or "",
            _word(f"kind.{alert.kind.value}"),
            _word(f"level.{alert.level.value}"),
            _alert_state(alert),
            seoul_minute(alert.due_at),
            seoul_minute(alert.opened_at),
            seoul_minute(alert.resumed_at),
        )
    out.print(table)


def _alert_state(alert: Alert) -> str:
    """`접수됨`, or how a closed case ended: `종결 · 오경보`."""
    if alert.outcome is not None:
        return f"{_word('state.resolved')} · {_word(f'outcome.{alert.outcome.value}')}"
    return _word(f"state.{alert.state.value}")


def _alert_document(line: AlertLine) -> dict[str, object]:
    from anbu.services import messages

    alert = line.alert
    return {
        "id": alert.id,
        "subject_external_id": line.external_id,
        "centre": line.centre,
        "carrier": alert.carrier.value if alert.carrier else None,
        "kind": alert.kind.value,
        "state": alert.state.value,
        "base_at": seoul(alert.base_at),
        "due_at": seoul(alert.due_at),
        "opened_at": seoul(alert.opened_at),
        "resumed_at": seoul(alert.resumed_at) or None,
        "acknowledged_at": seoul(alert.acknowledged_at) or None,
        "acknowledged_by": alert.acknowledged_by,
        "visit_needed_at": seoul(alert.visit_needed_at) or None,
        "resolved_at": seoul(alert.resolved_at) or None,
        "resolved_by": alert.resolved_by,
        "outcome": alert.outcome.value if alert.outcome else None,
        "level": alert.level.value,
        "reason": messages.explain(alert),
    }


@feeds_app.command("list")
def feeds_list(
    now: NowOption = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="JSON Lines: carrier, watermark, lag_seconds, max_delay_seconds, stale.",
        ),
    ] = False,
) -> None:
    """Each carrier's watermark (the time up to which its events are complete), how far it
    lags behind now, the delay allowed and whether the feed is late: 통신사, 자료 기준 시각,
    지연, 허용 지연, 상태 (Asia/Seoul). docs/cli.md; the watermark in docs/formats.md."""
    from anbu.services import feeds as feed_status

    at = _now(now)
    with _anbu() as anbu:
        statuses = feed_status.statuses(anbu, now=at)
    if as_json:
        for status in statuses:
            sys.stdout.write(json.dumps(status.as_json(), ensure_ascii=False) + "\n")
        return
    table = Table(title=f"통신사 자료 · {seoul_minute(at)} 기준 (서울 시각)", header_style="bold")
    for column in ("통신사", "자료 기준 시각", "지연", "허용 지연", "상태"):
        table.add_column(column)
    for status in statuses:
        state = (
            "feed.never"
            if status.watermark is None
            else "feed.stale"
            if status.stale
            else "feed.ok"
        )
        table.add_row(
            status.carrier.value,
            seoul_minute(status.watermark) or _word("feed.never"),
            _lag(status.lag),
            duration(status.max_delay),
            _word(state),
            style="bold red" if status.stale else None,
        )
    out.print(table)


def _lag(span: timedelta | None) -> str:
    """`1시간 17분`; a lag under a minute is `방금` (the feed is current)."""
    if span is None:
        return "—"
    return ago(span) if span < timedelta(minutes=1) else duration(span)


def _word(key: str, /, **params: object) -> str:
    """The word the pages use for `key` (the catalogue, src/anbu/locale), in the reader's
    language, so that a command and a page say the same; `params` fill its `{name}`s."""
    from anbu.adapters import catalogue

    return catalogue.text(key, _language(), **params)


@users_app.command("create")
def users_create(
    login: str,
    role: Annotated[Role, typer.Option("--role", help="officer, lead, admin, operator or duty.")],
    centre: Annotated[
        list[str] | None, typer.Option("--centre", help="A centre (repeat for several).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Give a member of staff a web password (creating them if not imported yet). The
    password is read from stdin so that it never appears in the shell's history; the rule is
    the web's (10–128 characters, not common, not the login: docs/web.md)."""
    from anbu.services import accounts

    if not password_stdin:
        err.print(_word("cli.password_stdin"), markup=False)
        raise typer.Exit(EXIT_UNREADABLE)
    password = sys.stdin.readline().rstrip("\r\n")
    with _anbu() as anbu:
        try:
            outcome = accounts.create_user(
                anbu,
                login.strip().lower(),
                role=role,
                centres=centre or [],
                password=password,
                now=wall_clock(),
                actor=_actor(),
            )
        except (accounts.AccountError, PasswordRefusedError) as exc:
            # A refused password's words are fixed by its reason: the password is not in them.
            err.print(f"{login}: {_said(exc)}", markup=False)
            raise typer.Exit(1) from exc
    said = "cli.user_created" if outcome == "created" else "cli.user_updated"
    out.print(_word(said, login=login.strip().lower(), role=role.value), highlight=False)


@tokens_app.command("create")
def tokens_create(
    login: str,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    days: Annotated[
        int,
        typer.Option(
            help=f"How many days it works (1 to {tokens.LONGEST_TOKEN_DAYS}).",
            show_default=True,
        ),
    ] = tokens.TOKEN_DAYS,
) -> None:
    """Print a new API bearer token for LOGIN (shown once; only a hash is kept). It stops
    working after --days; `tokens list` shows when."""
    from anbu.services import accounts

    with _anbu() as anbu:
        try:
            token = accounts.create_token(
                anbu,
                login.strip().lower(),
                label=label,
                now=wall_clock(),
                actor=_actor(),
                days=days,
            )
        except accounts.AccountError as exc:
            err.print(_said(exc), markup=False)
            raise typer.Exit(1) from exc
    sys.stdout.write(token + "\n")


@tokens_app.command("list")
def tokens_list(
    login: Annotated[str | None, typer.Option(help="Only this member of staff's.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """API tokens: their number, owner, label, when made, until when they work, last used
    and revoked."""
    from anbu.services import accounts

    now = wall_clock()
    with _anbu() as anbu:
        rows = accounts.list_tokens(anbu, login.strip().lower() if login else None)
    if as_json:
        for row in rows:
            document = {
                "id": row.id,
                "login": row.login,
                "label": row.label,
                # Asia/Seoul, as every instant the CLI lists.
                "created_at": seoul(row.created_at),
                "expires_at": seoul(row.expires_at),
                "expired": row.expired(now),
                "last_used_at": seoul(row.last_used_at) or None,
                "revoked_at": seoul(row.revoked_at) or None,
            }
            sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
        return
    title = _word("cli.tokens.title", count=len(rows))
    table = Table(title=title, box=None, header_style="bold")
    for column in ("id", "login", "label", "created", "expires", "last_used", "revoked"):
        table.add_column(_word(f"cli.tokens.{column}"), overflow="fold")
    for row in rows:
        table.add_row(
            str(row.id),
            row.login,
            row.label,
            seoul(row.created_at),
            seoul(row.expires_at) + (" (expired)" if row.expired(now) else ""),
            seoul(row.last_used_at) if row.last_used_at else "",
            seoul(row.revoked_at) if row.revoked_at else "",
        )
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The number `tokens list` shows.")],
) -> None:
    """Stop an API token working at once (the record of it is kept)."""
    from anbu.services import accounts

    with _anbu() as anbu:
        try:
            row = accounts.revoke_token(anbu, token_id, now=wall_clock(), actor=_actor())
        except accounts.AccountError as exc:
            err.print(_said(exc), markup=False)
            raise typer.Exit(1) from exc
    out.print(_word("cli.token_revoked", id=row.id, login=row.login), highlight=False)


# What each break means, for the operator reading `audit verify`.
_BREAKS = {
    "edited": "its content or its links were changed after it was written",
    "missing": "an entry before it was deleted",
    "reordered": "it was moved: it follows another entry than the one before it",
}


@audit_app.command("verify")
def audit_verify(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor",
            help="A link an earlier verify printed, kept off the server: it must still be "
            "in the chain (catches the newest entries deleted with the head rewound).",
        ),
    ] = None,
) -> None:
    """Walk the audit log's chain; report the first entry that does not follow (exit 1)."""
    from anbu.services import audit_log

    noted = _link(anchor) if anchor else None
    with _anbu() as anbu:
        check = audit_log.verify(anbu, anchor=noted)
    broken = check.broken
    if as_json:
        document = {
            "whole": broken is None,
            "entries": check.entries,
            "last_id": check.last_id,
            "last_link": check.last_link,
            "broken": None
            if broken is None
            else {
                "kind": broken.kind.value,
                "entry_id": broken.entry_id,
                "at": broken.at.isoformat() if broken.at else None,
                "after_id": broken.after_id,
            },
        }
        sys.stdout.write(json.dumps(document) + "\n")
    elif broken is None:
        newest = f", the newest #{check.last_id} with link {check.last_link}"
        out.print(
            f"audit log whole: {_entries(check.entries)}{newest if check.last_id else ''}",
            highlight=False,
        )
    else:
        if broken.entry_id is None:
            gone = "the newest entries were deleted" + (
                " (or the anchor was never in this log)" if anchor else ""
            )
            where = f"after entry #{broken.after_id}: missing: {gone}"
        else:
            what = _BREAKS[broken.kind.value]
            where = f"at entry #{broken.entry_id} ({seoul(broken.at)}): {broken.kind}: {what}"
        out.print(
            f"audit log broken {where}; whole before it: {_entries(check.entries)}",
            highlight=False,
        )
    if broken is not None:
        raise typer.Exit(EXIT_CHAIN_BROKEN)


def _link(text: str) -> bytes:
    try:
        link = bytes.fromhex(text.strip())
    except ValueError:
        link = b""
    if len(link) != 32:
        err.print(_word("cli.anchor_format"), markup=False)
        raise typer.Exit(EXIT_UNREADABLE)
    return link


def _entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="The backup to write; must not exist yet.")],
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Also write the key to this file; keep it apart."),
    ] = None,
) -> None:
    """Back up the database to FILE (mode 600) while anbu keeps running: SQLite's online
    backup, or pg_dump's custom format on PostgreSQL. The key is never inside the backup;
    `--key KEYFILE` writes it to a file of its own, to keep somewhere else — without it
    nothing personal in the backup can be read, with it everything can. docs/operations.md."""
    from anbu.adapters.sealing import KeyFileError, write_key_file
    from anbu.bootstrap import master_key_of
    from anbu.services import backups
    from anbu.settings import Settings

    settings = Settings()
    with _anbu() as anbu:
        try:
            found = backups.back_up(anbu, file)
        except backups.BackupError as exc:
            err.print(str(exc), markup=False)
            raise typer.Exit(EXIT_SOME_REJECTED) from exc
    if key is not None:
        if key.resolve().parent == file.resolve().parent:
            err.print(_word("cli.key_beside_backup", key=key), markup=False)
        try:
            write_key_file(master_key_of(settings), key)
        except KeyFileError as exc:
            err.print(str(exc), markup=False)
            raise typer.Exit(EXIT_SOME_REJECTED) from exc
    contents = _counted_contents(found)
    out.print(_word("cli.backup_written", file=file, contents=contents), highlight=False)
    if key is not None:
        out.print(_word("cli.key_written", file=key), highlight=False)


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup `anbu backup` wrote.")],
    key: Annotated[
        Path | None,
        typer.Option("--key", help="The key `anbu backup --key` wrote, to install with it."),
    ] = None,
) -> None:
    """Restore FILE into the configured database, which must be empty (stop `anbu serve`
    first), then bring its schema up to date and check that the key opens what was restored.
    `--key KEYFILE` installs the backup's key as this machine's key file; without it the key
    in place (ANBU_SECRET_KEY or the key file) must be the backup's. docs/operations.md."""
    from anbu.bootstrap import bootstrap, key_file_of
    from anbu.services import backups
    from anbu.settings import Settings

    settings = Settings()
    installed = _install_key(settings, key) if key is not None else False
    if not installed and settings.secret_key is None and not key_file_of(settings).exists():
        err.print(_word("cli.no_key_here"), markup=False)
        raise typer.Exit(EXIT_UNREADABLE)
    target = bootstrap(settings, migrate=False)
    try:
        backups.restore(target, file)
        # The key is tried before the schema is brought up to date: an upgrade from an old
        # schema may need it to open the records, and must not be the one to find it wrong.
        opens = backups.opens_a_record(target)
    except backups.BackupError as exc:
        err.print(str(exc), markup=False)
        if installed:
            key_file_of(settings).unlink()
        raise typer.Exit(EXIT_SOME_REJECTED) from exc
    finally:
        target.close()
    if opens is False:
        _wrong_key(settings, installed)
    with _anbu() as anbu:
        check = backups.check_key(anbu)
        found = backups.contents(anbu)
    if not check.opens:
        _wrong_key(settings, installed)
    contents = _counted_contents(found)
    out.print(_word("cli.restored", file=file, contents=contents), highlight=False)


def _wrong_key(settings: Settings, installed: bool) -> NoReturn:
    """The key does not open the restored data: say so, take back the key just installed."""
    from anbu.bootstrap import key_file_of

    err.print(_word("cli.wrong_key"), markup=False)
    if installed:
        key_file_of(settings).unlink()
    raise typer.Exit(EXIT_SOME_REJECTED)


def _install_key(settings: Settings, source: Path) -> bool:
    """Put the backup's key where this machine reads it; True when it was written now."""
    from anbu.adapters.sealing import KeyFileError, read_key_file, write_key_file
    from anbu.bootstrap import key_file_of, master_key_of

    if settings.secret_key is not None:
        err.print(_word("cli.key_env_in_use"), markup=False)
        raise typer.Exit(EXIT_UNREADABLE)
    try:
        wanted = read_key_file(source)
    except KeyFileError as exc:
        err.print(f"--key: {exc}", markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    here = key_file_of(settings)
    if here.exists():
        if master_key_of(settings) != wanted:
            err.print(_word("cli.key_different_there", path=here), markup=False)
            raise typer.Exit(EXIT_SOME_REJECTED)
        return False
    here.parent.mkdir(parents=True, exist_ok=True)
    write_key_file(wanted, here)
    return True


def _counted_contents(found: backups.Contents) -> str:
    people, alerts = f"{found.people:,}", f"{found.alerts:,}"
    return _word("cli.backup_contents", people=people, alerts=alerts, schema=found.schema)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    background: Annotated[
        bool, typer.Option(help="Run the sweep and dispatch loops in this process.")
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes answering requests; each runs the loops too, sharing "
            "their work through the database. More than 1 wants PostgreSQL.",
        ),
    ] = 1,
    ingest: Annotated[
        str | None,
        typer.Option(
            help="Also read the carriers' NATS JetStream streams: nats://HOST:4222 "
            "(ANBU_INGEST_URL; docs/streaming.md).",
        ),
    ] = None,
) -> None:
    """The HTTP application: health, metrics, gateway callbacks, acknowledgement links,
    the background loops that sweep, escalate and dispatch, and with --ingest the
    carriers' streams."""
    import uvicorn

    from anbu.bootstrap import upgrade_schema
    from anbu.entrypoints.web import BACKGROUND_VARIABLE, create_app
    from anbu.settings import Settings

    try:
        if ingest is not None:
            # Through the environment: each of several workers reads its own settings.
            os.environ["ANBU_INGEST_URL"] = ingest
        settings = Settings()
        web = create_app(settings, background=background)
    except ValueError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    proxies = list(settings.trusted_proxies)
    if workers > 1:
        # Migrated once here, before the workers start, so that they never race to upgrade.
        upgrade_schema(settings)
        os.environ[BACKGROUND_VARIABLE] = "1" if background else "0"
    uvicorn.run(
        web if workers == 1 else "anbu.entrypoints.web:served",
        factory=workers > 1,
        workers=workers,
        # A worker must have started within this or uvicorn kills it and starts another: a
        # start-up on a busy machine takes longer than its 5-second default, and would loop.
        timeout_worker_healthcheck=60,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        # uvicorn's own default believes X-Forwarded-For from loopback: only named proxies.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
        server_header=False,
    )


@app.command("demo")
def demo_command(
    subjects: Annotated[int, typer.Option(help="How many people to simulate.")] = 3000,
    days: Annotated[int, typer.Option(help="Simulated days.")] = 4,
    seconds: Annotated[float, typer.Option(help="About how long the run should take.")] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same district).")] = 7,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Where the demo keeps its database and key; default: ANBU_DATA_DIR when "
            "set, else the `demo` folder inside the data folder.",
        ),
    ] = None,
) -> None:
    """Simulate Seongdong-gu end to end: enrol, ingest, sweep, and show who was flagged.

    Where its data goes: a folder of its own, `demo` inside the data folder
    (~/.local/share/anbu/demo, or $XDG_DATA_HOME/anbu/demo), never beside real data —
    unless --data-dir, ANBU_DATA_DIR or ANBU_DATABASE_URL names a place. It wipes an
    earlier demo there and refuses a database that holds anything else. Afterwards,
    `ANBU_DATA_DIR=that-folder anbu alerts list` shows what it flagged (it prints the
    line). docs/cli.md.
    """
    from anbu.entrypoints.demo.database import own_folder
    from anbu.entrypoints.demo.run import run_demo
    from anbu.settings import Settings

    settings = own_folder(Settings(), data_dir)
    code = run_demo(settings, people=subjects, days=days, seconds=seconds, seed=seed, console=out)
    raise typer.Exit(code)


def main() -> None:
    app()
