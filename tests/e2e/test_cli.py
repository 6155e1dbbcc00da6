"""The `anbu` program's contract: exit codes, messages naming line and field, stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from anbu.bootstrap import Anbu
from anbu.services.accounts import token_user

from builders import (
    at,
    event,
    jsonl,
    officer_row,
    officers_csv,
    subject_row,
    subjects_csv,
    watermark,
)

ANBU = str(Path(sys.executable).parent / "anbu")
NOW = "2026-11-20T09:00:00+09:00"


def _anbu(
    env: dict[str, str], *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ANBU, *args],
        env=env,
        input=stdin.decode() if stdin else None,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _enrolled(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "subjects.csv"
    path.write_bytes(subjects_csv(subject_row()))
    assert _anbu(env, "subjects", "import", str(path), "--now", NOW).returncode == 0


def test_it_reports_counts_and_names_each_bad_row(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "subjects.csv"
    path.write_bytes(
        subjects_csv(
            subject_row(), subject_row(external_id="SD-2", consent_at="2026-11-01 오전 9시")
        )
    )
    done = _anbu(cli_env, "subjects", "import", str(path), "--now", NOW)
    assert done.returncode == 1
    assert "created 1, updated 0, unchanged 0, rejected 1" in done.stdout
    assert "3행 거부: consent_at: 날짜와 시각이 아닙니다" in done.stderr


def test_it_refuses_a_file_with_resident_registration_numbers(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "subjects.csv"
    header, row = subjects_csv(subject_row()).decode().splitlines()
    path.write_text(f"{header},주민등록번호\n{row},480302-1234567\n")
    done = _anbu(cli_env, "subjects", "import", str(path), "--now", NOW)
    assert done.returncode == 2
    assert "주민등록번호" in done.stderr
    listed = _anbu(cli_env, "alerts", "list", "--json")
    assert listed.returncode == 0
    assert listed.stdout == ""


def test_it_exits_0_when_every_line_is_accepted(cli_env: dict[str, str], tmp_path: Path) -> None:
    _enrolled(cli_env, tmp_path)
    path = tmp_path / "feed.jsonl"
    path.write_bytes(jsonl(event("010-1234-5678", "call_out", "2026-11-20T08:00:00+09:00")))
    done = _anbu(cli_env, "ingest", str(path), "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert "stored 1" in done.stdout


def test_it_exits_1_and_names_the_lines_it_rejected(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _enrolled(cli_env, tmp_path)
    path = tmp_path / "feed.jsonl"
    path.write_bytes(
        jsonl(event("010-1234-5678", "call_out", "2026-11-20T08:00:00+09:00"))
        + b"{broken\n"
        + jsonl(event("010-1234-5678", "telepathy", "2026-11-20T08:00:00+09:00"))
        + jsonl(event("010-1234-5678", "call_out", "2026-11-20T08:30:00+09:00"))
    )
    done = _anbu(cli_env, "ingest", str(path), "--now", NOW)
    assert done.returncode == 1
    assert "stored 2" in done.stdout
    assert "2행 거부: 올바른 JSON이 아닙니다" in done.stderr
    assert "3행 거부: kind: 다음 중 하나여야 합니다" in done.stderr


def test_a_line_no_database_can_store_is_rejected_and_the_rest_is_stored(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """A NUL in an event_id (PostgreSQL cannot store one) or bytes that are not UTF-8
    once lost the whole file with a traceback; now each is a line refused by its field."""
    _enrolled(cli_env, tmp_path)
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(
        jsonl(event("010-1234-5678", "call_out", "2026-11-20T08:00:00+09:00", event_id="E-1"))
        + jsonl(event("010-1234-5678", "call_out", "2026-11-20T08:05:00+09:00", event_id="E\x00"))
        + jsonl(event("010-1234-5678", "call_out", "2026-11-20T08:10:00+09:00", event_id="E-3"))
    )
    done = _anbu(cli_env, "ingest", str(feed), "--now", NOW)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "stored 2" in done.stdout
    assert "2행 거부: event_id: " in done.stderr
    table = tmp_path / "feed.csv"
    table.write_bytes(
        b"event_id,carrier,phone,kind,occurred_at\n"
        b"C-1,SKT,010-1234-5678,call_in,2026-11-20T08:20:00+09:00\n"
        b"C-\x00,SKT,010-1234-5678,call_in,2026-11-20T08:21:00+09:00\n"
        b"C-\xff\xfe,SKT,010-1234-5678,call_in,2026-11-20T08:22:00+09:00\n"
        b"C-4,SKT,010-1234-5678,call_in,2026-11-20T08:23:00+09:00\n"
    )
    done = _anbu(cli_env, "ingest", str(table), "--now", NOW)
    assert done.returncode == 1, done.stderr
    assert "stored 2" in done.stdout
    assert "3행 거부: event_id: " in done.stderr
    assert "4행 거부: event_id: " in done.stderr


def test_a_subjects_file_with_a_nul_names_the_row_and_column(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "subjects.csv"
    path.write_bytes(subjects_csv(subject_row(name="김\x00영수")))
    done = _anbu(cli_env, "subjects", "import", str(path), "--now", NOW)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "2행 거부: name: " in done.stdout + done.stderr


def test_the_subjects_template_imports_as_it_is_in_both_formats(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """`anbu subjects template` writes Korean headers and one example row; imported as it is
    (.xlsx, then CSV) it enrols that one person, then finds them unchanged."""
    workbook = tmp_path / "template.xlsx"
    made = _anbu(cli_env, "subjects", "template", "--xlsx", "--output", str(workbook))
    assert made.returncode == 0, made.stderr
    done = _anbu(cli_env, "subjects", "import", str(workbook), "--now", NOW)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created 1" in done.stdout
    printed = subprocess.run(
        [ANBU, "subjects", "template"], env=cli_env, capture_output=True, timeout=60, check=True
    ).stdout
    assert printed.startswith("\ufeff관리번호,성명".encode())
    table = tmp_path / "template.csv"
    table.write_bytes(printed)
    again = _anbu(cli_env, "subjects", "import", str(table), "--now", NOW)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "unchanged 1" in again.stdout
    english = _anbu(cli_env, "subjects", "template", "--english")
    assert english.stdout.lstrip("\ufeff").startswith("external_id,name,birth_date")


def test_it_exits_2_when_nothing_can_be_read(cli_env: dict[str, str], tmp_path: Path) -> None:
    missing = _anbu(cli_env, "ingest", str(tmp_path / "nowhere.jsonl"), "--now", NOW)
    assert missing.returncode == 2
    assert "nowhere.jsonl" in missing.stderr
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(b"{\n[\n")
    assert _anbu(cli_env, "ingest", str(garbage), "--now", NOW).returncode == 2


def test_it_reads_csv_from_standard_input(cli_env: dict[str, str], tmp_path: Path) -> None:
    _enrolled(cli_env, tmp_path)
    body = (
        "event_id,carrier,phone,kind,occurred_at,duration_s,complete_until\n"
        "KT-1,SKT,01012345678,call_in,2026-11-20T08:00:00+09:00,35,\n"
        ",SKT,,watermark,,,2026-11-20T08:30:00+09:00\n"
    )
    done = _anbu(cli_env, "ingest", "-", "--now", NOW, stdin=body.encode())
    assert done.returncode == 0, done.stderr
    assert "stored 1" in done.stdout
    assert "watermarks 1" in done.stdout
    feeds = _anbu(cli_env, "feeds", "list", "--json", "--now", NOW)
    (skt,) = [json.loads(line) for line in feeds.stdout.splitlines()]
    assert skt["lag_seconds"] == 30 * 60


def test_it_lists_alerts_as_json_with_seoul_offsets(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _enrolled(cli_env, tmp_path)
    path = tmp_path / "feed.jsonl"
    path.write_bytes(jsonl(watermark("SKT", at("2026-11-20 08:00"))))
    assert _anbu(cli_env, "ingest", str(path), "--now", NOW).returncode == 0
    assert _anbu(cli_env, "sweep", "--now", NOW).returncode == 0
    listed = _anbu(cli_env, "alerts", "list", "--json")
    (alert,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {k: alert[k] for k in ("id", "subject_external_id", "kind", "state")} == {
        "id": 1,
        "subject_external_id": "SD-0001",
        "kind": "no_activity",
        "state": "open",
    }
    assert alert["due_at"] == "2026-11-03T09:00:00+09:00"
    assert alert["opened_at"] == NOW
    table = _anbu(cli_env, "alerts", "list")
    assert "SD-0001" in table.stdout


def test_it_imports_officers_and_lists_them_without_contacts(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _enrolled(cli_env, tmp_path)
    path = tmp_path / "officers.csv"
    path.write_bytes(officers_csv(officer_row(), officer_row(login="bad", role="chief")))
    done = _anbu(cli_env, "officers", "import", str(path), "--now", NOW)
    assert done.returncode == 1
    assert "created 1, updated 0, unchanged 0, rejected 1" in done.stdout
    assert "3행 거부: role: " in done.stderr
    listed = _anbu(cli_env, "officers", "list", "--json")
    (officer,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert officer == {
        "login": "kim.officer",
        "role": "officer",
        "active": True,
        "centres": ["왕십리도선동"],
        "contact_problem": None,
    }
    assert "010" not in listed.stdout


def test_it_dispatches_the_alerts_messages_to_the_console(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _enrolled(cli_env, tmp_path)
    staff = tmp_path / "officers.csv"
    staff.write_bytes(officers_csv(officer_row()))
    assert _anbu(cli_env, "officers", "import", str(staff), "--now", NOW).returncode == 0
    marks = tmp_path / "feed.jsonl"
    marks.write_bytes(jsonl(watermark("SKT", at("2026-11-20 08:00"))))
    assert _anbu(cli_env, "ingest", str(marks), "--now", NOW).returncode == 0
    assert _anbu(cli_env, "sweep", "--now", NOW).returncode == 0
    sent = _anbu(cli_env, "dispatch", "--once", "--now", NOW)
    assert sent.returncode == 0, sent.stderr
    assert "문자(SMS) → ***0001" in sent.stdout
    assert "[안부] 왕십리도선동 김*수(SD-0001) 님 48시간 통화 없음" in sent.stdout
    assert "sent 2, retrying 0, failed 0" in sent.stdout
    again = _anbu(cli_env, "dispatch", "--once", "--now", NOW)
    assert again.stdout == ""
    states = [
        json.loads(line)["state"]
        for line in _anbu(cli_env, "notifications", "list", "--json").stdout.splitlines()
    ]
    assert states == ["sent", "sent"]
    (alert,) = [
        json.loads(line) for line in _anbu(cli_env, "alerts", "list", "--json").stdout.splitlines()
    ]
    assert alert["state"] == "notified"


def _alert_opened(env: dict[str, str], tmp_path: Path) -> None:
    """SD-0001 enrolled, kim.officer on file, and alert 1 opened for SD-0001's silence."""
    _enrolled(env, tmp_path)
    staff = tmp_path / "officers.csv"
    staff.write_bytes(officers_csv(officer_row()))
    assert _anbu(env, "officers", "import", str(staff), "--now", NOW).returncode == 0
    marks = tmp_path / "feed.jsonl"
    marks.write_bytes(jsonl(watermark("SKT", at("2026-11-20 08:00"))))
    assert _anbu(env, "ingest", str(marks), "--now", NOW).returncode == 0
    assert _anbu(env, "sweep", "--now", NOW).returncode == 0


def test_it_acknowledges_and_resolves_a_case_from_the_command_line(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _alert_opened(cli_env, tmp_path)
    acked = _anbu(cli_env, "alerts", "ack", "1", "--by", "kim.officer", "--now", NOW)
    assert acked.returncode == 0, acked.stderr
    wrong = _anbu(cli_env, "alerts", "resolve", "1", "--outcome", "sleeping", "--by", "kim.officer")
    assert wrong.returncode == 2
    done = _anbu(
        cli_env, "alerts", "resolve", "1", "--outcome", "safe", "--by", "kim.officer", "--now", NOW
    )
    assert done.returncode == 0, done.stderr
    (alert,) = [
        json.loads(line) for line in _anbu(cli_env, "alerts", "list", "--json").stdout.splitlines()
    ]
    assert (alert["state"], alert["outcome"]) == ("resolved", "safe")
    again = _anbu(cli_env, "alerts", "ack", "1", "--by", "kim.officer")
    assert again.returncode == 1
    assert again.stderr.strip() == "이미 종결된 건입니다."


def test_it_lists_who_acknowledged_and_resolved_a_case_and_when_in_seoul_time(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _alert_opened(cli_env, tmp_path)
    lead = tmp_path / "lead.csv"
    lead.write_bytes(officers_csv(officer_row(login="lee.lead", name="이팀장", role="lead")))
    assert _anbu(cli_env, "officers", "import", str(lead), "--now", NOW).returncode == 0

    def listed() -> dict[str, object]:
        (alert,) = _anbu(cli_env, "alerts", "list", "--json").stdout.splitlines()
        found: dict[str, object] = json.loads(alert)
        return found

    fields = ("acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by", "outcome")
    assert {k: listed()[k] for k in fields} == dict.fromkeys(fields)
    # Given in UTC, listed in Seoul time like every other instant.
    ack = ("alerts", "ack", "1", "--by", "kim.officer", "--now", "2026-11-20T00:10:00Z")
    assert _anbu(cli_env, *ack).returncode == 0
    resolve = ("alerts", "resolve", "1", "--outcome", "safe", "--by", "lee.lead")
    assert _anbu(cli_env, *resolve, "--now", "2026-11-20T01:30:00Z").returncode == 0
    assert {k: listed()[k] for k in fields} == {
        "acknowledged_at": "2026-11-20T09:10:00+09:00",
        "acknowledged_by": "kim.officer",
        "resolved_at": "2026-11-20T10:30:00+09:00",
        "resolved_by": "lee.lead",
        "outcome": "safe",
    }


def test_a_revoked_api_token_stops_working_and_stays_on_record(
    cli_env: dict[str, str], anbu: Anbu
) -> None:
    created = _anbu(
        cli_env,
        "users",
        "create",
        "ops.lee",
        "--role",
        "operator",
        "--password-stdin",
        stdin=b"a long enough password\n",
    )
    assert created.returncode == 0, created.stderr
    token = _anbu(cli_env, "tokens", "create", "ops.lee", "--label", "KT feed").stdout.strip()
    assert token_user(anbu, token, at("2026-11-20 09:00")) is not None
    (listed,) = [
        json.loads(line) for line in _anbu(cli_env, "tokens", "list", "--json").stdout.splitlines()
    ]
    assert (listed["login"], listed["label"], listed["revoked_at"]) == ("ops.lee", "KT feed", None)
    assert listed["last_used_at"] is not None
    assert token not in json.dumps(listed)  # neither the token nor its hash is shown

    revoked = _anbu(cli_env, "tokens", "revoke", str(listed["id"]))
    assert revoked.returncode == 0
    assert "ops.lee" in revoked.stdout
    assert token_user(anbu, token, at("2026-11-20 09:05")) is None
    again = _anbu(cli_env, "tokens", "revoke", str(listed["id"]))
    assert again.returncode == 1
    assert f"사용 중인 토큰 {listed['id']}번이 없습니다." in again.stderr
    (kept,) = [
        json.loads(line) for line in _anbu(cli_env, "tokens", "list", "--json").stdout.splitlines()
    ]
    assert kept["revoked_at"] is not None
    table = _anbu(cli_env, "tokens", "list", "--login", "ops.lee").stdout
    assert "KT feed" in table


def test_users_create_refuses_a_weak_password_saying_why_in_korean_without_repeating_it(
    cli_env: dict[str, str], anbu: Anbu
) -> None:
    refused = {
        "too short": "10자 이상",
        "x" * 129: "128자를 넘을 수 없습니다",
        "aaaaaaaaaa": "되풀이한",
        "1234567890": "이어 친",
        "ops.lee.2026": "아이디가 들어간",
        "qwer1234!@": "유출된",
        "tkfkdgo1234": "유출된",
    }
    for password, why in refused.items():
        done = _anbu(
            cli_env,
            *("users", "create", "ops.lee", "--role", "operator", "--password-stdin"),
            stdin=password.encode() + b"\n",
        )
        assert done.returncode == 1, password
        assert why in done.stderr, done.stderr
        assert password not in done.stdout + done.stderr
    with anbu.transaction() as tx:
        assert tx.accounts.account("ops.lee") is None  # nothing was written


def test_a_token_is_made_for_so_many_days_and_the_list_says_until_when(
    cli_env: dict[str, str], anbu: Anbu
) -> None:
    created = _anbu(
        cli_env,
        *("users", "create", "ops.lee", "--role", "operator", "--password-stdin"),
        stdin=b"a long enough password\n",
    )
    assert created.returncode == 0, created.stderr
    for days in ("0", "366"):
        refused = _anbu(cli_env, "tokens", "create", "ops.lee", "--days", days)
        assert refused.returncode == 1, days
        assert f"1일에서 365일까지 쓸 수 있습니다 ({days}일은 안 됩니다)" in refused.stderr
    assert _tokens(cli_env) == []

    weekly = _anbu(cli_env, "tokens", "create", "ops.lee", "--label", "주간", "--days", "7")
    assert weekly.returncode == 0, weekly.stderr
    assert _anbu(cli_env, "tokens", "create", "ops.lee", "--label", "기본").returncode == 0
    week, default = _tokens(cli_env)
    made = datetime.fromisoformat(str(week["created_at"]))
    until = datetime.fromisoformat(str(week["expires_at"]))
    assert until - made == timedelta(days=7)
    assert str(week["expires_at"]).endswith("+09:00")  # Asia/Seoul, as every time listed
    assert week["expired"] is False
    assert datetime.fromisoformat(str(default["expires_at"])) - datetime.fromisoformat(
        str(default["created_at"])
    ) == timedelta(days=90)
    table = _anbu(cli_env, "tokens", "list").stdout
    assert "유효 기한" in table  # in Korean first, as every list
    assert str(week["expires_at"]) in table
    token = weekly.stdout.strip()
    assert token_user(anbu, token, until - timedelta(seconds=1)) is not None
    assert token_user(anbu, token, until) is None


def _tokens(env: dict[str, str]) -> list[dict[str, object]]:
    listing = _anbu(env, "tokens", "list", "--json").stdout
    return [json.loads(line) for line in listing.splitlines()]
