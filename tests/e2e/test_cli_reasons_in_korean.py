"""`anbu subjects import` and `anbu ingest` say why a line is refused in Korean — line, field
and reason, every problem of the row — and in English only when asked (`--lang en`,
ANBU_LANGUAGE=en). The `--json` outputs do not change with the language."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from builders import event, jsonl, subject_row, subjects_csv

ANBU = str(Path(sys.executable).parent / "anbu")
NOW = "2026-11-20T09:00:00+09:00"
# The English reasons people read before the catalogue (issue 14).
ENGLISH = (
    "is not a date",
    "has no UTC offset",
    "is not one of",
    "is longer than",
    "is required",
    "not valid JSON",
    "is not a Korean",
    "rejected line",
    "field '",
)


def _anbu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ANBU, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _bad_subjects(tmp_path: Path) -> Path:
    path = tmp_path / "subjects.csv"
    path.write_bytes(
        subjects_csv(
            subject_row(),
            # One row, three problems: all of them are named.
            subject_row(
                external_id="SD-2",
                birth_date="1948-13-01",
                phone="010-1234-9999",
                carrier="KTF",
                name="",
            ),
        )
    )
    return path


def _bad_events(tmp_path: Path) -> Path:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(
        b"{broken\n"
        + jsonl(event("010-1234-5678", "telepathy", "2026-11-20T08:00:00+09:00"))
        + jsonl(event("010-1234-5678", "call_out", "2026-11-20T08:00:00"))
        + jsonl(event("010-1234-5678", "call_out", "2026-11-20T08:00:00+09:00", event_id="E" * 129))
        + jsonl({**event("010-1234-5678", "call_out", "2026-11-20T08:00:00+09:00"), "carrier": "X"})
        + jsonl(event("010-1234-5678", "call_out", "2026-11-20T08:30:00+09:00"))
    )
    return path


def test_a_bad_subjects_file_is_explained_in_korean_row_by_row(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    done = _anbu(cli_env, "subjects", "import", str(_bad_subjects(tmp_path)), "--now", NOW)

    assert done.returncode == 1, done.stderr
    [line] = [text for text in done.stderr.splitlines() if text.startswith("3행")]
    assert line.startswith("3행 거부: ")
    assert "name: 값이 필요합니다." in line
    assert "birth_date: 날짜가 아닙니다: '1948-13-01' (YYYY-MM-DD 형식으로 써 주세요)" in line
    assert "carrier: 통신사는 SKT, KT, LGU 중 하나여야 합니다: 'KTF'" in line
    assert [english for english in ENGLISH if english in done.stderr] == []


def test_a_bad_events_file_is_explained_in_korean(cli_env: dict[str, str], tmp_path: Path) -> None:
    subjects = tmp_path / "one.csv"
    subjects.write_bytes(subjects_csv(subject_row()))
    assert _anbu(cli_env, "subjects", "import", str(subjects), "--now", NOW).returncode == 0

    done = _anbu(cli_env, "ingest", str(_bad_events(tmp_path)), "--now", NOW)

    assert done.returncode == 1, done.stderr
    said = done.stderr
    assert "1행 거부: 올바른 JSON이 아닙니다" in said
    assert "2행 거부: kind: 다음 중 하나여야 합니다" in said
    assert "3행 거부: occurred_at: 시간대(UTC 오프셋)가 없습니다: '2026-11-20T08:00:00'" in said
    assert "4행 거부: event_id: 128자를 넘습니다." in said
    assert "5행 거부: carrier: 통신사는 SKT, KT, LGU 중 하나여야 합니다: 'X'" in said
    assert [english for english in ENGLISH if english in said] == []


@pytest.mark.parametrize("how", ["option", "setting"])
def test_the_reasons_are_english_when_asked(
    cli_env: dict[str, str], tmp_path: Path, how: str
) -> None:
    path = str(_bad_subjects(tmp_path))
    if how == "option":
        done = _anbu(cli_env, "--lang", "en", "subjects", "import", path, "--now", NOW)
    else:
        done = _anbu({**cli_env, "ANBU_LANGUAGE": "en"}, "subjects", "import", path, "--now", NOW)

    assert done.returncode == 1, done.stderr
    assert "rejected line 3: field 'name': is required" in done.stderr
    assert "field 'birth_date': '1948-13-01' is not a date (YYYY-MM-DD)" in done.stderr
    assert "field 'carrier': 'KTF' is not one of SKT, KT, LGU" in done.stderr
    assert "거부" not in done.stderr


def test_the_json_summary_is_the_same_in_either_language(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    subjects = tmp_path / "one.csv"
    subjects.write_bytes(subjects_csv(subject_row()))
    assert _anbu(cli_env, "subjects", "import", str(subjects), "--now", NOW).returncode == 0
    korean = _anbu(cli_env, "alerts", "list", "--json")
    english = _anbu(cli_env, "--lang", "en", "alerts", "list", "--json")
    assert (korean.returncode, korean.stdout) == (english.returncode, english.stdout)
