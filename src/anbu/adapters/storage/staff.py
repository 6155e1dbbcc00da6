"""Staff in the database (officers, leads, administrators, operators, the duty desk): their
records, their centres, how they are reached, and what they may reach. Never commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from anbu.adapters.storage.tables import centres, officer_centres, officers
from anbu.domain.kinds import Role
from anbu.domain.reach import Reach


@dataclass(frozen=True, slots=True)
class StaffRow:
    login: str
    role: Role
    active: bool
    centres: tuple[str, ...]
    # A contact a gateway refused for good (a bad number), for an administrator to correct.
    contact_problem: str | None = None


@dataclass(frozen=True, slots=True)
class StaffContact:
    """A member of staff as a message needs them: how they can be reached."""

    officer_id: int
    login: str
    has_phone: bool
    has_email: bool


class StaffRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def centre_ids(self) -> dict[str, int]:
        return {
            name: cid for cid, name in self.connection.execute(select(centres.c.id, centres.c.name))
        }

    def by_login(self, login: str) -> Row[Any] | None:
        return self.connection.execute(select(officers).where(officers.c.login == login)).first()

    def insert(self, values: dict[str, Any]) -> int:
        result = self.connection.execute(insert(officers).values(**values).returning(officers.c.id))
        return int(result.scalar_one())

    def update(self, officer_id: int, values: dict[str, Any]) -> None:
        self.connection.execute(
            update(officers).where(officers.c.id == officer_id).values(**values)
        )

    def assign(self, officer_id: int, centre_ids: Iterable[int]) -> None:
        """Make the officer's centres exactly these."""
        self.connection.execute(
            delete(officer_centres).where(officer_centres.c.officer_id == officer_id)
        )
        rows = [{"officer_id": officer_id, "centre_id": cid} for cid in sorted(set(centre_ids))]
        if rows:
            self.connection.execute(insert(officer_centres), rows)

    def listing(self) -> list[StaffRow]:
        names: dict[int, list[str]] = {}
        query = select(officer_centres.c.officer_id, centres.c.name).join(
            centres, centres.c.id == officer_centres.c.centre_id
        )
        for officer_id, name in self.connection.execute(query):
            names.setdefault(officer_id, []).append(name)
        rows = self.connection.execute(
            select(
                officers.c.id,
                officers.c.login,
                officers.c.role,
                officers.c.active,
                officers.c.contact_problem,
            ).order_by(officers.c.login)
        )
        return [
            StaffRow(login, Role(role), bool(active), tuple(sorted(names.get(oid, []))), problem)
            for oid, login, role, active, problem in rows
        ]

    def contacts_by_centre(
        self, centre_ids: Iterable[int], roles: Iterable[Role]
    ) -> dict[int, list[StaffContact]]:
        """Active staff of the given roles for each centre, in login order."""
        wanted = list(set(centre_ids))
        query = (
            select(
                officer_centres.c.centre_id,
                officers.c.id,
                officers.c.login,
                officers.c.has_phone,
                officers.c.has_email,
            )
            .join(officers, officers.c.id == officer_centres.c.officer_id)
            .where(
                officer_centres.c.centre_id.in_(wanted),
                officers.c.active.is_(True),
                officers.c.role.in_([r.value for r in roles]),
            )
            .order_by(officers.c.login)
        )
        found: dict[int, list[StaffContact]] = {}
        for centre_id, officer_id, login, has_phone, has_email in self.connection.execute(query):
            found.setdefault(centre_id, []).append(
                StaffContact(officer_id, login, bool(has_phone), bool(has_email))
            )
        return found

    def contacts_by_role(self, roles: Iterable[Role]) -> list[StaffContact]:
        query = (
            select(officers.c.id, officers.c.login, officers.c.has_phone, officers.c.has_email)
            .where(officers.c.active.is_(True), officers.c.role.in_([r.value for r in roles]))
            .order_by(officers.c.login)
        )
        return [
            StaffContact(officer_id, login, bool(has_phone), bool(has_email))
            for officer_id, login, has_phone, has_email in self.connection.execute(query)
        ]

    def sealed_contact(self, officer_id: int) -> tuple[str, bytes] | None:
        """(login, sealed personal data) of one member of staff."""
        row = self.connection.execute(
            select(officers.c.login, officers.c.personal).where(officers.c.id == officer_id)
        ).first()
        return None if row is None else (row.login, bytes(row.personal))

    def sealed_personal(self, logins: Iterable[str]) -> dict[str, bytes]:
        """The sealed personal data (name, contacts) of these members of staff, by login,
        in one query; a login not on file is left out."""
        wanted = sorted(set(logins))
        if not wanted:
            return {}
        rows = self.connection.execute(
            select(officers.c.login, officers.c.personal).where(officers.c.login.in_(wanted))
        )
        return {login: bytes(personal) for login, personal in rows}

    def flag_contact(self, officer_id: int, problem: str) -> None:
        """A gateway refused this person's contact for good: flag it for an administrator."""
        self.connection.execute(
            update(officers)
            .where(officers.c.id == officer_id)
            .values(contact_problem=problem[:500])
        )

    def reach_of(self, login: str) -> Reach | None:
        """What an active member of staff may reach; None for no such active member."""
        row = self.connection.execute(
            select(officers.c.id, officers.c.role).where(
                officers.c.login == login, officers.c.active.is_(True)
            )
        ).first()
        if row is None:
            return None
        ids = self.connection.scalars(
            select(officer_centres.c.centre_id).where(officer_centres.c.officer_id == row.id)
        )
        return Reach(Role(row.role), frozenset(ids))

    def login_of(self, officer_id: int) -> str | None:
        """The login of an active member of staff."""
        return self.connection.scalar(
            select(officers.c.login).where(officers.c.id == officer_id, officers.c.active.is_(True))
        )
