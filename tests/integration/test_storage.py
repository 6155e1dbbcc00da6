"""Schema, migrations and personal data at rest."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.sealing import SealError, Vault
from anbu.adapters.storage import engine as storage
from anbu.adapters.storage.tables import metadata
from anbu.bootstrap import Anbu, bootstrap
from anbu.services.enrolment import enrol
from anbu.settings import Settings

from builders import at, subject_row, subjects_csv

NOW = at("2026-11-20 09:00")


def _import(anbu: Anbu, data: bytes) -> None:
    enrol(anbu, read_subjects(data, now=NOW, periods=anbu.periods), now=NOW, actor="test")


def test_it_migrates_to_exactly_the_declared_schema(anbu: Anbu) -> None:
    with anbu.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_it_upgrades_only_once(anbu: Anbu) -> None:
    assert storage.current_revision(anbu.engine) == storage.head_revision(anbu.engine)
    assert storage.upgrade(anbu.engine) is False


def test_it_knows_the_newest_migration_without_asking_alembic(anbu: Anbu) -> None:
    assert storage.head_revision(anbu.engine) == storage.SCHEMA_HEAD


def test_it_keeps_no_name_phone_address_or_birth_date_in_the_sqlite_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    anbu = bootstrap(settings)
    _import(
        anbu,
        subjects_csv(
            subject_row(),
            subject_row(
                external_id="SD-0002",
                name="이순자",
                phone="+82 10-2222-3333",
                birth_date="1951-07-15",
                address="서울 성동구 마장로 222",
            ),
        ),
    )
    anbu.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("anbu.sqlite3"))
    assert b"SD-0002" in raw  # the reference is not personal data and is there to find
    for secret in ("김영수", "이순자", "서울 성동구", "1948-03-02", "1951-07-15"):
        assert secret.encode() not in raw, secret
    for digits in ("1012345678", "1234-5678", "12345678", "1022223333", "2222-3333"):
        assert digits.encode() not in raw, digits


def test_it_creates_the_key_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    anbu = bootstrap(Settings(data_dir=tmp_path))
    anbu.close()
    mode = stat.S_IMODE(os.stat(tmp_path / "secret.key").st_mode)
    assert mode == 0o600
    again = bootstrap(Settings(data_dir=tmp_path))  # the same key is read back, not replaced
    assert again.vault.lookup_key("+821012345678") == anbu.vault.lookup_key("+821012345678")
    again.close()


def test_it_refuses_to_open_sealed_data_with_another_key_or_row() -> None:
    vault = Vault(b"k" * 32)
    sealed = vault.seal({"name": "김영수"}, bound_to="SD-0001")
    assert vault.open(sealed, bound_to="SD-0001") == {"name": "김영수"}
    with pytest.raises(SealError):
        vault.open(sealed, bound_to="SD-0002")
    with pytest.raises(SealError):
        Vault(b"x" * 32).open(sealed, bound_to="SD-0001")
