"""The messages sent about alerts, as operators look them up (`anbu notifications list`)."""

from __future__ import annotations

from anbu.adapters.storage.outbox import Listed
from anbu.services.context import Context


def listing(app: Context, alert_id: int | None = None) -> list[Listed]:
    """Every notification (of one alert), oldest first, with its delivery state."""
    with app.transaction() as uow:
        return uow.outbox.listing(alert_id)
