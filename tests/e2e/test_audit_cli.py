"""`anbu audit verify` as operators run it: whole, exit 0; the first broken entry named,
exit 1; the same as one JSON object."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import delete, select, update

from anbu.adapters.storage import engine as storage
from anbu.adapters.storage.tables import audit_log
from anbu.settings import Settings

from builders import subject_row, subjects_csv
from processes import program

NOW = "2026-11-20T09:00:00+09:00"


def _three_people_enrolled(env: dict[str, str], tmp_path: Path) -> None:
    """Three audit entries (`subject.created`), written by the program itself."""
    path = tmp_path / "subjects.csv"
    rows = [subject_row(external_id=f"SD-{n}", phone=f"010-1234-000{n}") for n in range(1, 4)]
    path.write_bytes(subjects_csv(*rows))
    done = program(env, "subjects", "import", str(path), "--now", NOW)
    assert done.returncode == 0, done.stderr


def _ids(settings: Settings) -> list[int]:
    engine = storage.make_engine(settings.sqlalchemy_url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(audit_log.c.id).order_by(audit_log.c.id)))
    finally:
        engine.dispose()


def _tamper(settings: Settings, statement: object) -> None:
    engine = storage.make_engine(settings.sqlalchemy_url)
    try:
        with engine.begin() as connection:
            connection.execute(statement)  # type: ignore[call-overload]
    finally:
        engine.dispose()


def test_a_whole_log_verifies_with_exit_0(
    cli_env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    _three_people_enrolled(cli_env, tmp_path)
    done = program(cli_env, "audit", "verify")
    assert done.returncode == 0, done.stderr
    assert f"audit log whole: 3 entries, the newest #{_ids(settings)[-1]}" in done.stdout


def test_an_edited_entry_is_named_with_exit_1(
    cli_env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    _three_people_enrolled(cli_env, tmp_path)
    ids = _ids(settings)
    _tamper(settings, update(audit_log).where(audit_log.c.id == ids[1]).values(actor="cli:x"))
    done = program(cli_env, "audit", "verify")
    assert done.returncode == 1
    assert f"broken at entry #{ids[1]} (2026-11-20T09:00:00+09:00): edited" in done.stdout
    assert "whole before it: 1 entry" in done.stdout


def test_json_names_a_deleted_entry(
    cli_env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    _three_people_enrolled(cli_env, tmp_path)
    ids = _ids(settings)
    _tamper(settings, delete(audit_log).where(audit_log.c.id == ids[1]))
    done = program(cli_env, "audit", "verify", "--json")
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert document["whole"] is False
    assert document["entries"] == 1
    assert document["broken"] == {
        "kind": "missing",
        "entry_id": ids[2],
        "at": "2026-11-20T00:00:00+00:00",
        "after_id": ids[0],
    }


def test_an_anchor_no_longer_in_the_chain_breaks_it_and_a_bad_one_is_refused(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _three_people_enrolled(cli_env, tmp_path)
    whole = json.loads(program(cli_env, "audit", "verify", "--json").stdout)
    assert program(cli_env, "audit", "verify", "--anchor", whole["last_link"]).returncode == 0
    done = program(cli_env, "audit", "verify", "--anchor", "ab" * 32)
    assert done.returncode == 1
    assert "missing: the newest entries were deleted (or the anchor was never" in done.stdout
    refused = program(cli_env, "audit", "verify", "--anchor", "not-a-link")
    assert refused.returncode == 2
    assert "16진수 64자리" in refused.stderr
