"""`anbu subjects import` and a typo'd centre: refused naming the centre field and the
close centre, unless `--new-centre NAME` or `--new-centres` allows it; new centres listed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from builders import subject_row, subjects_csv

ANBU = str(Path(sys.executable).parent / "anbu")
NOW = "2026-11-20T09:00:00+09:00"


def _import(env: dict[str, str], path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ANBU, "subjects", "import", str(path), "--now", NOW, *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _file(tmp_path: Path, name: str, *rows: dict[str, str]) -> Path:
    path = tmp_path / name
    path.write_bytes(subjects_csv(*rows))
    return path


def test_a_first_import_creates_and_lists_its_centres(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    first = _file(tmp_path, "first.csv", subject_row(external_id="K-1", phone="010-1000-0001"))
    done = _import(cli_env, first)
    assert done.returncode == 0, done.stderr
    assert "created 1, updated 0, unchanged 0, rejected 0" in done.stdout
    assert "new centres 1: 왕십리도선동" in done.stdout


def test_a_typo_is_refused_until_allowed(cli_env: dict[str, str], tmp_path: Path) -> None:
    first = _file(tmp_path, "first.csv", subject_row(external_id="K-1", phone="010-1000-0001"))
    assert _import(cli_env, first).returncode == 0
    typo = _file(
        tmp_path,
        "typo.csv",
        subject_row(external_id="N-1", phone="010-2000-0001", centre="왕십리 도선동"),
        subject_row(external_id="N-2", phone="010-2000-0002", centre="사근동"),
    )
    refused = _import(cli_env, typo)
    assert refused.returncode == 1
    assert "created 1, updated 0, unchanged 0, rejected 1" in refused.stdout
    assert "new centres 1: 사근동" in refused.stdout
    assert (
        "2행 거부: centre: '왕십리 도선동' 센터가 없습니다. 비슷한 센터: 왕십리도선동"
    ) in refused.stderr
    allowed = _import(cli_env, typo, "--new-centre", "왕십리 도선동")
    assert allowed.returncode == 0, allowed.stderr
    assert "created 1, updated 0, unchanged 1, rejected 0" in allowed.stdout
    assert "new centres 1: 왕십리 도선동" in allowed.stdout


def test_new_centres_allows_every_close_name(cli_env: dict[str, str], tmp_path: Path) -> None:
    first = _file(tmp_path, "first.csv", subject_row(external_id="K-1", phone="010-1000-0001"))
    assert _import(cli_env, first).returncode == 0
    typo = _file(
        tmp_path,
        "typo.csv",
        subject_row(external_id="N-1", phone="010-2000-0001", centre="왕십리 도선동"),
        subject_row(external_id="N-2", phone="010-2000-0002", centre="왕십리도선둥"),
    )
    done = _import(cli_env, typo, "--new-centres")
    assert done.returncode == 0, done.stderr
    assert "new centres 2: 왕십리 도선동, 왕십리도선둥" in done.stdout
