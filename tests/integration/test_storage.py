"""Schema, migrations and personal data at rest."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, insert, inspect, select, update

from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.sealing import SealError, Vault
from anbu.adapters.storage import engine as storage
from anbu.adapters.storage.tables import alerts, case_events, metadata, subjects
from anbu.bootstrap import Anbu, bootstrap
from anbu.domain.kinds import Carrier, Role
from anbu.services.accounts import StaffUser
from anbu.services.enrolment import enrol
from anbu.services.reports import feed_board
from anbu.settings import Settings

from builders import at, event, subject_row, subjects_csv, watermark
from flows import enrol_rows, feed, sweep_at

NOW = at("2026-11-20 09:00")
PHONE = "010-1234-5678"


def _import(anbu: Anbu, data: bytes) -> None:
    enrol(anbu, read_subjects(data, now=NOW, periods=anbu.periods), now=NOW, actor="test")


def test_it_migrates_to_exactly_the_declared_schema(anbu: Anbu) -> None:
    with anbu.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_it_upgrades_only_once(anbu: Anbu) -> None:
    assert storage.current_revision(anbu.engine) == storage.head_revision(anbu.engine)
    assert storage.upgrade(anbu.engine, audit_link=anbu.vault.audit_link) is False


def test_it_knows_the_newest_migration_without_asking_alembic(anbu: Anbu) -> None:
    assert storage.head_revision(anbu.engine) == storage.SCHEMA_HEAD


def test_upgrading_fills_the_centre_and_first_contact_of_alerts_opened_before(
    anbu: Anbu,
) -> None:
    """Revision 0009 copies each alert's centre and first call or visit onto the alert; an
    alert opened before it must be counted the same afterwards."""
    from alembic import command

    enrol_rows(anbu, subject_row(external_id="X", inactivity_hours=12), now=NOW)
    later = NOW + timedelta(hours=13)
    feed(anbu, watermark("SKT", later), now=later)
    (opened,) = sweep_at(anbu, later).opened
    alert_id = opened.id
    with anbu.transaction() as store:
        for minutes, kind in ((-5, "visit"), (10, "note"), (30, "call"), (50, "visit")):
            # The visit before the alert opened is an earlier case's, not this one's.
            store.connection.execute(
                insert(case_events).values(
                    alert_id=alert_id, at=later + timedelta(minutes=minutes), by="k", kind=kind
                )
            )
        centre_id = store.connection.scalar(select(subjects.c.centre_id))
    command.downgrade(storage.alembic_config(anbu.engine), "0008")
    assert "centre_id" not in {c["name"] for c in inspect(anbu.engine).get_columns("alerts")}
    assert storage.upgrade(anbu.engine, audit_link=anbu.vault.audit_link) is True
    with anbu.engine.connect() as connection:
        row = connection.execute(
            select(alerts.c.centre_id, alerts.c.first_contact_at).where(alerts.c.id == alert_id)
        ).one()
    assert row.centre_id == centre_id
    assert row.first_contact_at == later + timedelta(minutes=30)


def test_upgrading_counts_the_last_days_events_per_hour(anbu: Anbu) -> None:
    """Revision 0010 keeps events per hour for the operators' board; the hours before it
    are counted from the stored events, in the format the board reads back."""
    from alembic import command

    enrol_rows(anbu, subject_row(external_id="X"), now=NOW)
    received = datetime.now(UTC).replace(minute=20)
    feed(anbu, event(PHONE, "call_out", received - timedelta(hours=2)), now=received)
    feed(anbu, event(PHONE, "sms_out", received - timedelta(hours=1)), now=received)
    command.downgrade(storage.alembic_config(anbu.engine), "0009")
    assert storage.upgrade(anbu.engine, audit_link=anbu.vault.audit_link) is True
    ops = StaffUser(0, "ops", Role.OPERATOR, frozenset())
    board = feed_board(anbu, ops, received + timedelta(minutes=5))
    assert board.events[Carrier.SKT][-1] == 2
    assert sum(board.events[Carrier.SKT]) == 2


def test_upgrading_gives_people_enrolled_before_name_search_their_name_key(
    anbu: Anbu, settings: Settings
) -> None:
    """Schema 0006 added whole-name search by a keyed hash the migration could not compute
    (it needs the vault): the first start after the upgrade fills it in."""
    from alembic import command

    enrol_rows(anbu, subject_row(external_id="X", name="김영수"), now=NOW)
    enrol_rows(anbu, subject_row(external_id="Y", name="이순자", phone="010-2222-3333"), now=NOW)
    with anbu.transaction() as store:
        keys = _name_keys(store.connection)
        store.connection.execute(update(subjects).values(name_key=None))
    command.downgrade(storage.alembic_config(anbu.engine), "0009")
    restarted = bootstrap(settings)
    try:
        with restarted.transaction() as store:
            after = _name_keys(store.connection)
        assert after == keys
        assert None not in after.values()
    finally:
        restarted.close()


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


def _name_keys(connection: Connection) -> dict[str, bytes | None]:
    rows = connection.execute(select(subjects.c.external_id, subjects.c.name_key)).all()
    return {str(ref): key for ref, key in rows}
