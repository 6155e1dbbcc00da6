"""The messages sent about alerts, as operators look them up (`anbu notifications list`)."""

from __future__ import annotations

from collections.abc import Sequence

from anbu.adapters.storage.outbox import Listed as Listed
from anbu.services.context import Context


def listing(app: Context, alert_id: int | None = None) -> list[Listed]:
    """Every notification (of one alert), oldest first, with its delivery state."""
    with app.transaction() as uow:
        return uow.outbox.listing(alert_id)


def logins(app: Context, rows: Sequence[Listed]) -> dict[int, str]:
    """The login of each member of staff these notifications went to, by officer id (a
    login, never a name or a contact)."""
    wanted = sorted({row.officer_id for row in rows if row.officer_id is not None})
    found: dict[int, str] = {}
    with app.transaction() as uow:
        for officer_id in wanted:
            login = uow.staff.login_of(officer_id)
            if login is not None:
                found[officer_id] = login
    return found
