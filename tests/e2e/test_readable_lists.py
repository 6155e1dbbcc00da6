"""The listing commands read as Korean tables for people (words, Seoul times, human
durations) and keep their JSON, with codes, behind `--json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from anbu.adapters.storage.audit_log import AuditFilter
from anbu.bootstrap import Anbu

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


def _anbu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ANBU, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _ok(env: dict[str, str], *args: str) -> str:
    done = _anbu(env, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _alert_sent(env: dict[str, str], tmp_path: Path) -> None:
    """SD-0001 (김영수) enrolled, kim.officer on file, alert 1 opened and its messages sent."""
    people = tmp_path / "subjects.csv"
    people.write_bytes(subjects_csv(subject_row()))
    _ok(env, "subjects", "import", str(people), "--now", NOW)
    staff = tmp_path / "officers.csv"
    staff.write_bytes(officers_csv(officer_row()))
    _ok(env, "officers", "import", str(staff), "--now", NOW)
    marks = tmp_path / "feed.jsonl"
    marks.write_bytes(jsonl(watermark("SKT", at("2026-11-20 07:42:43.920840"))))
    _ok(env, "ingest", str(marks), "--now", NOW)
    _ok(env, "sweep", "--now", NOW)
    _ok(env, "dispatch", "--once", "--now", NOW)


def test_feeds_list_says_the_lag_in_hours_and_minutes(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _alert_sent(cli_env, tmp_path)

    table = _ok(cli_env, "feeds", "list", "--now", NOW)

    assert "1시간 17분" in table
    assert "6시간" in table  # the delay allowed
    assert "정상" in table
    assert "1:17:16" not in table
    (skt,) = [
        json.loads(line)
        for line in _ok(cli_env, "feeds", "list", "--json", "--now", NOW).splitlines()
    ]
    assert skt["lag_seconds"] == 77 * 60 + 16


def test_notifications_list_is_a_korean_table_and_json_with_json(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _alert_sent(cli_env, tmp_path)

    table = _ok(cli_env, "notifications", "list")
    documents = [
        json.loads(line) for line in _ok(cli_env, "notifications", "list", "--json").splitlines()
    ]

    assert "받는 사람" in table
    assert "직원 kim.officer" in table
    assert "발송됨" in table
    assert "문자" in table
    assert "이메일" in table
    assert "11-20 09:00" in table  # sent, in Seoul time
    assert "0001" not in table  # no number, not even in part
    assert [(d["recipient"], d["medium"], d["state"]) for d in documents] == [
        ("staff", "sms", "sent"),
        ("staff", "email", "sent"),
    ]
    assert set(documents[0]) == {
        "id",
        "alert_id",
        "officer_id",
        "recipient",
        "step",
        "medium",
        "key",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "delivered_at",
        "last_error",
        "provider_ref",
    }
    assert documents[0]["sent_at"] == NOW


def test_alerts_list_says_kinds_levels_states_and_outcomes_in_words(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _alert_sent(cli_env, tmp_path)
    assert "알림 발송" in _ok(cli_env, "alerts", "list")
    _ok(cli_env, "alerts", "ack", "1", "--by", "kim.officer", "--now", NOW)
    resolve = ("alerts", "resolve", "1", "--outcome", "false_alarm", "--by", "kim.officer")
    _ok(cli_env, *resolve, "--now", NOW)

    table = _ok(cli_env, "alerts", "list")
    (alert,) = [json.loads(line) for line in _ok(cli_env, "alerts", "list", "--json").splitlines()]

    assert "통화 없음" in table
    assert "심각" in table  # a fixed-period alert is serious
    assert "종결 · 오경보" in table
    for code in ("no_activity", "serious", "false_alarm", "resolved"):
        assert code not in table
    assert (alert["kind"], alert["level"], alert["outcome"]) == (
        "no_activity",
        "serious",
        "false_alarm",
    )


def test_subjects_list_shows_people_masked_with_their_last_sign_of_life_and_audits_it(
    cli_env: dict[str, str], anbu: Anbu, tmp_path: Path
) -> None:
    people = tmp_path / "subjects.csv"
    people.write_bytes(
        subjects_csv(
            subject_row(),
            subject_row(
                external_id="SD-0002",
                name="박영희",
                phone="010-2222-3333",
                carrier="KT",
                centre="마장동",
                detection="personal",
            ),
        )
    )
    _ok(cli_env, "subjects", "import", str(people), "--now", NOW)
    calls = tmp_path / "feed.jsonl"
    calls.write_bytes(jsonl(event("010-1234-5678", "call_out", "2026-11-20T06:00:00+09:00")))
    _ok(cli_env, "ingest", str(calls), "--now", NOW)

    table = _ok(cli_env, "subjects", "list", "--now", NOW)
    documents = [
        json.loads(line)
        for line in _ok(cli_env, "subjects", "list", "--json", "--now", NOW).splitlines()
    ]
    one_centre = _ok(cli_env, "subjects", "list", "--centre", "마장동", "--now", NOW)

    assert "김*수" in table
    assert "박*희" in table
    assert "김영수" not in table
    assert "관찰 중" in table
    assert "11-20 06:00 (3시간 전)" in table
    assert "등록 후 신호 없음" in table
    assert "개인 맞춤" in table
    assert "48시간" in table
    for private in ("1234", "2222", "1948"):
        assert private not in table + json.dumps(documents)
    assert [(d["external_id"], d["masked_name"], d["carrier"]) for d in documents] == [
        ("SD-0001", "김*수", "SKT"),
        ("SD-0002", "박*희", "KT"),
    ]
    assert documents[0]["last_sign_at"] == "2026-11-20T06:00:00+09:00"
    assert documents[1]["last_sign_at"] is None
    assert (documents[1]["detection"], documents[1]["inactivity_hours"]) == ("personal", 48)
    assert "SD-0002" in one_centre
    assert "SD-0001" not in one_centre
    unknown = _anbu(cli_env, "subjects", "list", "--centre", "없는동")
    assert unknown.returncode == 1
    assert "없는동" in unknown.stderr
    with anbu.transaction() as tx:
        listed = tx.audit.entries(AuditFilter(action="people.listed"), before=None, limit=10)
    assert len(listed) == 3
    assert all(entry.actor.startswith("cli") for entry in listed)
    assert json.loads(listed[0].detail)["shown"] == ["SD-0002"]


def test_the_help_of_each_file_command_names_its_columns_and_the_docs() -> None:
    expected = {
        ("subjects", "import"): ("external_id", "관리번호", "consent_at"),
        ("subjects", "template"): ("subjects import",),
        ("officers", "import"): ("login", "centres", "role"),
        ("ingest",): ("event_id", "occurred_at", "complete_until"),
        ("backtest",): ("received_at", "subjects import"),
    }
    env = {**os.environ, "COLUMNS": "200"}
    for command, columns in expected.items():
        shown = subprocess.run(
            [ANBU, *command, "--help"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert "docs/formats.md" in shown, command
        for column in columns:
            assert column in shown, (command, column)
