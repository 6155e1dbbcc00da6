"""Import the district's staff list: who is told about which centre's alerts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from anbu.adapters.storage.staff import StaffRepository, StaffRow
from anbu.adapters.storage.unit_of_work import UnitOfWork
from anbu.domain.officers import Officer
from anbu.domain.rejections import Rejection
from anbu.domain.wording import Message
from anbu.services.context import Context
from anbu.services.imports import ImportReport, Outcome


def import_officers(
    app: Context, rows: Iterable[tuple[int, Officer] | Rejection], *, now: datetime, actor: str
) -> ImportReport:
    """Create or update each member of staff; bad rows are reported, the rest imported.

    A centre must already exist (it does once its people are enrolled): a misspelt
    centre would otherwise leave the real one with nobody to tell. Staff missing from
    a later list are kept: the import adds and updates, it does not remove.
    """
    report = ImportReport()
    with app.transaction() as store:
        staff = store.staff
        known = staff.centre_ids()
        for row in rows:
            if isinstance(row, Rejection):
                report.rejected.append(row)
                continue
            line, officer = row
            unknown = sorted(officer.centres - known.keys())
            if unknown:
                report.rejected.append(
                    Rejection(
                        line,
                        "centres",
                        Message("reason.unknown_centre_of_staff", centres=", ".join(unknown)),
                    )
                )
                continue
            outcome = _save(app, staff, officer, [known[c] for c in officer.centres], now)
            report.count(outcome)
            if outcome != "unchanged":
                store.audit.record(actor, f"officer.{outcome}", now, detail=officer.login)
    report.rejected.sort(key=lambda r: r.line)
    return report


def _save(
    app: Context, staff: StaffRepository, officer: Officer, centre_ids: list[int], now: datetime
) -> Outcome:
    personal = {"name": officer.name, "phone": officer.phone, "email": officer.email}
    record_key = app.vault.lookup_key(
        json.dumps(
            {**personal, "role": officer.role.value, "centres": sorted(officer.centres)},
            ensure_ascii=False,
            sort_keys=True,
        )
    )
    existing = staff.by_login(officer.login)
    if existing is not None and bytes(existing.record_key) == record_key:
        return "unchanged"
    values = {
        "role": officer.role.value,
        "personal": app.vault.seal(personal, bound_to=f"officer:{officer.login}"),
        "record_key": record_key,
        "active": True,
        "has_phone": officer.phone is not None,
        "has_email": officer.email is not None,
        # A changed record is taken as corrected contacts: the flag goes until the next refusal.
        "contact_problem": None,
        "updated_at": now,
    }
    if existing is None:
        officer_id = staff.insert({**values, "login": officer.login, "created_at": now})
        staff.assign(officer_id, centre_ids)
        return "created"
    staff.update(existing.id, values)
    staff.assign(existing.id, centre_ids)
    return "updated"


def listing(app: Context) -> list[StaffRow]:
    """Every member of staff: login, role, centres, a contact a gateway refused — never
    their names or contacts."""
    with app.transaction() as uow:
        return uow.staff.listing()


def names(app: Context, logins: Iterable[str | None]) -> dict[str, str]:
    """Staff names by login (see `names_in`), in a transaction of their own."""
    with app.transaction() as uow:
        return names_in(app, uow, logins)


def names_in(app: Context, uow: UnitOfWork, logins: Iterable[str | None]) -> dict[str, str]:
    """The names on record of these members of staff, by login: one query and one unsealing
    pass for a whole page. A login with no name on record, or not on file, is left out —
    whoever shows it shows the login."""
    found: dict[str, str] = {}
    for login, sealed in uow.staff.sealed_personal(x for x in logins if x).items():
        name = name_on_record(app, login, sealed)
        if name is not None:
            found[login] = name
    return found


def name_on_record(app: Context, login: str, sealed: bytes) -> str | None:
    """The name in a member of staff's sealed record; None when there is none but the login
    (an account made without an imported record is named by its login)."""
    if not sealed:
        return None
    name = str(app.vault.open(sealed, bound_to=f"officer:{login}").get("name") or "").strip()
    return name if name and name != login else None
