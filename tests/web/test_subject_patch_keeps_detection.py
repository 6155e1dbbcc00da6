"""A change through the API keeps what it was not asked to change: a person's own choice of
detection (the list's `detection` column) is not reset to their centre's default."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.storage.tables import subjects
from anbu.bootstrap import Anbu
from anbu.services.accounts import create_token
from anbu.services.enrolment import enrol

from builders import subject_row, subjects_csv
from conftest import CENTRE_A, District

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _detection(anbu: Anbu, external_id: str) -> tuple[str, bool]:
    with anbu.engine.connect() as connection:
        row = connection.execute(
            select(subjects.c.detection, subjects.c.detection_custom).where(
                subjects.c.external_id == external_id
            )
        ).one()
    return row.detection, row.detection_custom


def test_a_patch_keeps_the_persons_own_detection(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    data = subjects_csv(
        subject_row(
            external_id="SD-0060", phone="010-6060-6060", centre=CENTRE_A, detection="personal"
        )
    )
    report = enrol(anbu, read_subjects(data, now=NOW, periods=anbu.periods), now=NOW, actor="t")
    assert not report.rejected, report.rejected
    assert _detection(anbu, "SD-0060") == ("personal", True)
    token = create_token(anbu, "admin", label="t", now=datetime.now(UTC), actor="t")
    admin = {"Authorization": f"Bearer {token}"}

    same = client.patch("/api/v1/subjects/SD-0060", json={}, headers=admin)
    assert same.status_code == 200, same.text
    assert same.json()["outcome"] == "unchanged"
    moved = client.patch(
        "/api/v1/subjects/SD-0060", json={"address": "서울 성동구 고산자로 270"}, headers=admin
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["outcome"] == "updated"
    assert _detection(anbu, "SD-0060") == ("personal", True)
