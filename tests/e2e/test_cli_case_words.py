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


def test_a_refused_case_command_says_why_in_korean_or_in_english(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _alert_opened(cli_env, tmp_path)
    closed = ("alerts", "resolve", "1", "--outcome", "safe", "--by", "kim.officer")
    assert _anbu(cli_env, *closed, "--now", NOW).returncode == 0

    again = _anbu(cli_env, *closed, "--now", NOW)
    missing = _anbu(cli_env, "alerts", "ack", "99", "--by", "kim.officer", "--now", NOW)
    english = _anbu(cli_env, "--lang", "en", "alerts", "ack", "99", "--by", "kim.officer")

    assert (again.returncode, again.stderr.strip()) == (1, "이미 종결된 건입니다.")
    assert (missing.returncode, missing.stderr.strip()) == (
        1,
        "알림 99번이 없습니다 (kim.officer의 담당 범위).",
    )
    assert english.stderr.strip() == "no alert 99 for kim.officer"


def test_refusals_of_people_staff_and_tokens_are_korean_first(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    asked = {
        ("subjects", "pause", "SD-404", "--from", NOW): (
            "대상자 SD-404이(가) 없습니다.",
            "no subject SD-404",
        ),
        ("subjects", "list", "--centre", "없는동"): (
            "'없는동' 센터가 없습니다.",
            "no centre named '없는동'",
        ),
        ("users", "create", "ops.lee", "--role", "operator"): (
            "비밀번호는 표준 입력으로 받습니다: --password-stdin을 붙여 주세요.",
            "the password is read from stdin: pass --password-stdin",
        ),
        ("tokens", "revoke", "7"): ("사용 중인 토큰 7번이 없습니다.", "no token 7 in use"),
        ("tokens", "create", "nobody"): (
            "'nobody'은(는) 활동 중인 직원이 아닙니다.",
            "no active staff member 'nobody'",
        ),
    }
    for command, (korean, english) in asked.items():
        assert _anbu(cli_env, *command).stderr.strip() == korean, command
        assert _anbu(cli_env, "--lang", "en", *command).stderr.strip() == english, command


def test_a_refused_password_is_explained_in_the_readers_language(
    cli_env: dict[str, str],
) -> None:
    create = ("users", "create", "ops.lee", "--role", "operator", "--password-stdin")

    korean = _anbu(cli_env, *create, stdin=b"short\n")
    english = _anbu(cli_env, "--lang", "en", *create, stdin=b"short\n")

    assert korean.stderr.strip() == "ops.lee: 비밀번호는 10자 이상이어야 합니다."
    assert english.stderr.strip() == "ops.lee: A password needs at least 10 characters."
