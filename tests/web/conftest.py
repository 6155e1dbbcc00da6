"""The web application in-process (FastAPI's TestClient speaks HTTP to the real app, on a
real database), with a small district: two centres, an officer of each, an administrator,
an operator, and one open alert in each centre."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.storage.tables import audit_log, subjects
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.entrypoints.web import create_app
from anbu.services.accounts import create_user
from anbu.services.officers import import_officers
from anbu.settings import Settings

from builders import at, officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed, sweep_at

PASSWORD = "correct horse battery staple"
ENROLLED = at("2026-11-01 10:00")
OPENED = at("2026-11-04 10:00")
CENTRE_A, CENTRE_B = "왕십리도선동", "마장동"


@dataclass(frozen=True, slots=True)
class District:
    alert_a: int  # 김영수 (SD-0001), centre A
    alert_b: int  # 박순자 (SD-0002), centre B


@pytest.fixture
def district(anbu: Anbu) -> District:
    enrol_rows(
        anbu,
        subject_row(),
        subject_row(external_id="SD-0002", name="박순자", phone="010-2222-3333", centre=CENTRE_B),
        now=ENROLLED,
    )
    staff = (
        officer_row(login="kim.a"),
        officer_row(login="park.b", centres=CENTRE_B, phone="010-9000-0002"),
    )
    import_officers(anbu, read_officers(officers_csv(*staff)), now=ENROLLED, actor="test")
    for login, role, centres in (
        ("kim.a", Role.OFFICER, [CENTRE_A]),
        ("park.b", Role.OFFICER, [CENTRE_B]),
        ("admin", Role.ADMIN, []),
        ("ops", Role.OPERATOR, []),
    ):
        create_user(
            anbu, login, role=role, centres=centres, password=PASSWORD, now=ENROLLED, actor="t"
        )
    feed(anbu, watermark("SKT", OPENED), now=OPENED)
    opened = {a.subject_id: a.id for a in sweep_at(anbu, OPENED).opened}
    first, second = sorted(opened)
    return District(opened[first], opened[second])


@pytest.fixture
def client(settings: Settings, anbu: Anbu) -> Iterator[TestClient]:
    with TestClient(create_app(settings, background=False), follow_redirects=False) as web:
        yield web


def log_in(
    client: TestClient, login: str, password: str = PASSWORD, *, page: str | None = "/"
) -> str:
    """Log in through the form; returns the session's CSRF token, read from `page`."""
    form = client.get("/login")
    token = _hidden(form.text, "csrf_token")
    answer = client.post(
        "/login", data={"login": login, "password": password, "csrf_token": token, "next": "/"}
    )
    assert answer.status_code == 303, answer.text
    return "" if page is None else csrf_of(client, page)


def csrf_of(client: TestClient, page: str = "/") -> str:
    return _hidden(client.get(page, follow_redirects=True).text, "csrf_token")


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found, f"no {name} in the page"
    return found[1]


def audited(anbu: Anbu, action: str) -> list[tuple[str, int | None]]:
    """Who did `action`, about which subject, in order."""
    with anbu.engine.connect() as connection:
        return [
            (row.actor, row.subject_id)
            for row in connection.execute(
                select(audit_log.c.actor, audit_log.c.subject_id)
                .where(audit_log.c.action == action)
                .order_by(audit_log.c.id)
            )
        ]


def subject_id(anbu: Anbu, external_id: str) -> int:
    with anbu.engine.connect() as connection:
        return int(
            connection.scalar(select(subjects.c.id).where(subjects.c.external_id == external_id))
        )
