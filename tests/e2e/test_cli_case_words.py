"""`anbu sweep`, `anbu alerts contact` and `anbu alerts resolve` tell an officer what
happened in Korean words — kinds, levels, outcomes — not codes (`no_activity`,
`false_alarm`); the words are the pages' own."""

from __future__ import annotations

from pathlib import Path

from test_cli import NOW, _alert_opened, _anbu, _enrolled

from builders import at, jsonl, watermark

CODES = ("no_activity", "serious", "false_alarm", "unreachable", "reached", "call", "opened")


def test_a_sweep_says_which_alert_opened_in_words(cli_env: dict[str, str], tmp_path: Path) -> None:
    _enrolled(cli_env, tmp_path)
    marks = tmp_path / "feed.jsonl"
    marks.write_bytes(jsonl(watermark("SKT", at("2026-11-20 08:00"))))
    assert _anbu(cli_env, "ingest", str(marks), "--now", NOW).returncode == 0

    swept = _anbu(cli_env, "sweep", "--now", NOW)

    assert swept.returncode == 0, swept.stderr
    assert swept.stdout.splitlines() == [
        "알림 1 열림: 통화 없음 (심각) · 기한 11-03 09:00",
        "점검 11-20 09:00 (서울 시각): 새 알림 1건, 알림 단계 진행 0건, 후속 안내 0건",
    ]


def test_a_contact_is_echoed_in_words(cli_env: dict[str, str], tmp_path: Path) -> None:
    _alert_opened(cli_env, tmp_path)
    call = ("alerts", "contact", "1", "--kind", "call", "--result", "not_reached")

    done = _anbu(cli_env, *call, "--by", "kim.officer", "--now", NOW)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "알림 1: 전화 (연락 안 됨) 기록"
    assert not any(code in done.stdout for code in CODES)


def test_a_resolution_is_echoed_in_words(cli_env: dict[str, str], tmp_path: Path) -> None:
    _alert_opened(cli_env, tmp_path)
    resolve = ("alerts", "resolve", "1", "--by", "kim.officer")

    waiting = _anbu(cli_env, *resolve, "--outcome", "unreachable_visit_needed", "--now", NOW)
    assert waiting.stdout.strip() == "알림 1: 방문 필요"
    visit = ("alerts", "contact", "1", "--kind", "visit", "--result", "reached")
    went = _anbu(cli_env, *visit, "--by", "kim.officer", "--now", "2026-11-20T10:00:00+09:00")
    assert went.stdout.strip() == "알림 1: 방문 (연락됨) 기록"
    closed = _anbu(cli_env, *resolve, "--outcome", "safe", "--now", "2026-11-20T11:00:00+09:00")

    assert closed.returncode == 0, closed.stderr
    assert closed.stdout.strip() == "알림 1 종결: 안전 확인"


def test_a_false_alarm_is_named_as_one(cli_env: dict[str, str], tmp_path: Path) -> None:
    _alert_opened(cli_env, tmp_path)

    done = _anbu(
        cli_env, "alerts", "resolve", "1", "--outcome", "false_alarm", "--by", "kim.officer"
    )

    assert done.stdout.strip() == "알림 1 종결: 오경보"
    assert not any(code in done.stdout for code in CODES)
