"""`anbu backup` and `anbu restore` as an operator runs them: a backup restored into an empty
database, with the key kept apart, serves the same people and cases; a wrong key, a database in
use and a file that is no backup are refused."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command as migrations
from psycopg import sql

from anbu.adapters.storage import backups as database_backups
from anbu.adapters.storage import engine as storage
from anbu.bootstrap import Anbu

from builders import at, jsonl, subject_row, subjects_csv, watermark
from processes import program

NOW = "2026-11-20T09:00:00+09:00"
# As tests/conftest.py reads it (a module named conftest is not one to import: tests/web has
# its own).
PG_ADMIN_URL = os.environ.get("ANBU_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
NAMES = ("김영수", "이순자")


@pytest.fixture
def elsewhere(database_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Another machine's environment: its own data folder, no key yet and, on PostgreSQL,
    its own empty database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANBU_")}
    env.update(ANBU_DATA_DIR=str(tmp_path / "elsewhere"), COLUMNS="200")
    if not database_url:
        env["ANBU_DATABASE_URL"] = ""
        yield env
        return
    name = f"anbu_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env["ANBU_DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield env
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _district(env: dict[str, str], tmp_path: Path) -> None:
    """Two people enrolled and one case open for SD-0001's silence."""
    people = tmp_path / "subjects.csv"
    people.write_bytes(
        subjects_csv(
            subject_row(external_id="SD-0001", name=NAMES[0]),
            subject_row(external_id="SD-0002", name=NAMES[1], phone="010-1234-0002"),
        )
    )
    assert program(env, "subjects", "import", str(people), "--now", NOW).returncode == 0
    marks = tmp_path / "feed.jsonl"
    marks.write_bytes(jsonl(watermark("SKT", at("2026-11-20 08:00"))))
    assert program(env, "ingest", str(marks), "--now", NOW).returncode == 0
    assert program(env, "sweep", "--now", NOW).returncode == 0


def _seen(env: dict[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    listed: list[list[dict[str, Any]]] = []
    for command in (("subjects", "list", "--json", "--now", NOW), ("alerts", "list", "--json")):
        done = program(env, *command)
        assert done.returncode == 0, done.stderr
        listed.append([json.loads(line) for line in done.stdout.splitlines()])
    return listed[0], listed[1]


def test_a_backup_restored_elsewhere_serves_the_same_people_and_cases(
    cli_env: dict[str, str], elsewhere: dict[str, str], tmp_path: Path
) -> None:
    _district(cli_env, tmp_path)
    before = _seen(cli_env)
    assert len(before[0]) == 2
    assert len(before[1]) >= 1
    (tmp_path / "vault").mkdir()
    backup, key = tmp_path / "anbu.backup", tmp_path / "vault" / "anbu.key"
    done = program(cli_env, "backup", str(backup), "--key", str(key))
    assert done.returncode == 0, done.stderr
    assert "2명, 알림 2건" in done.stdout  # what it holds, in Korean first
    assert backup.stat().st_mode & 0o777 == 0o600
    assert key.stat().st_mode & 0o777 == 0o600
    # Sealed at rest: no name can be read from the backup without the key.
    content = backup.read_bytes()
    assert all(name.encode() not in content for name in NAMES)

    done = program(elsewhere, "restore", str(backup), "--key", str(key))
    assert done.returncode == 0, done.stderr
    assert "복원했습니다" in done.stdout
    assert "2명, 알림 2건" in done.stdout
    assert _seen(elsewhere) == before
    # The key came with it: the person's record opens (their masked name is read from it).
    assert {row["masked_name"] for row in _seen(elsewhere)[0]} == {"김*수", "이*자"}


def test_the_wrong_key_is_refused_and_not_left_in_place(
    cli_env: dict[str, str], elsewhere: dict[str, str], tmp_path: Path
) -> None:
    _district(cli_env, tmp_path)
    backup = tmp_path / "anbu.backup"
    assert program(cli_env, "backup", str(backup)).returncode == 0
    wrong = tmp_path / "wrong.key"
    wrong.write_text("ab" * 32)
    done = program(elsewhere, "restore", str(backup), "--key", str(wrong))
    assert done.returncode == 1
    assert "이 키로는 복원한 자료를 열 수 없습니다" in done.stderr
    assert not (Path(elsewhere["ANBU_DATA_DIR"]) / "secret.key").exists()


def test_a_wrong_key_is_named_before_an_old_backups_schema_is_brought_up_to_date(
    cli_env: dict[str, str], anbu: Anbu, elsewhere: dict[str, str], tmp_path: Path
) -> None:
    """A backup from before schema 0006: the upgrade after its restore opens every record to
    give it its name key, which a wrong key cannot — the key is tried first, and refused."""
    _district(cli_env, tmp_path)
    migrations.downgrade(storage.alembic_config(anbu.engine), "0005")
    backup = tmp_path / "old.backup"
    database_backups.back_up(anbu.engine, backup)
    wrong = tmp_path / "wrong.key"
    wrong.write_text("ab" * 32)

    done = program(elsewhere, "restore", str(backup), "--key", str(wrong))

    assert done.returncode == 1, done.stderr
    assert "이 키로는 복원한 자료를 열 수 없습니다" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (Path(elsewhere["ANBU_DATA_DIR"]) / "secret.key").exists()


def test_a_restore_without_any_key_is_refused_before_it_starts(
    cli_env: dict[str, str], elsewhere: dict[str, str], tmp_path: Path
) -> None:
    _district(cli_env, tmp_path)
    backup = tmp_path / "anbu.backup"
    assert program(cli_env, "backup", str(backup)).returncode == 0
    done = program(elsewhere, "restore", str(backup))
    assert done.returncode == 2
    assert "키가 없습니다" in done.stderr


def test_a_database_in_use_is_never_restored_over(cli_env: dict[str, str], tmp_path: Path) -> None:
    _district(cli_env, tmp_path)
    backup = tmp_path / "anbu.backup"
    assert program(cli_env, "backup", str(backup)).returncode == 0
    assert program(cli_env, "backup", str(backup)).returncode == 1  # never overwrites
    done = program(cli_env, "restore", str(backup))
    assert done.returncode == 1
    assert "not empty" in done.stderr


def test_a_file_that_is_no_backup_is_named(elsewhere: dict[str, str], tmp_path: Path) -> None:
    key = tmp_path / "anbu.key"
    key.write_text("cd" * 32)
    stray = tmp_path / "notes.txt"
    stray.write_text("not a database")
    done = program(elsewhere, "restore", str(stray), "--key", str(key))
    assert done.returncode == 1
    assert "not an anbu backup" in done.stderr
