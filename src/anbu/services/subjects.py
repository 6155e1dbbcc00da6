"""Changes to one enrolled person beyond the import: pauses and withdrawal of consent."""

from __future__ import annotations

from datetime import datetime

from anbu.domain.pauses import Pause
from anbu.services.context import Context


def pause(
    app: Context, external_id: str, pause: Pause, reason: str, *, now: datetime, actor: str
) -> int | None:
    """Add a pause and move the person's due instant accordingly. Returns the pause's
    number (never 0); None if the person is unknown."""
    with app.transaction() as store:
        row = store.subjects.by_external_id(external_id)
        if row is None:
            return None
        pause_id = store.subjects.add_pause(row.id, pause, reason, now)
        watch = store.subjects.watches([row.id], lock=True)[row.id]
        store.subjects.save_watches({row.id: watch}, now)
        store.audit.record(actor, "subject.paused", now, subject_id=row.id, detail=reason)
    return pause_id


def withdraw(app: Context, external_id: str, *, now: datetime, actor: str) -> bool:
    """Consent withdrawn: stop monitoring and remove the person's data (SPEC §6).

    Only the reference stays, so that the alert history keeps its shape and a later
    import of an old list cannot silently enrol the person again.
    """
    with app.transaction() as store:
        row = store.subjects.by_external_id(external_id)
        if row is None:
            return False
        placeholder = app.vault.lookup_key(f"withdrawn:{external_id}")
        empty = app.vault.seal({}, bound_to=external_id)
        store.subjects.forget(row.id, empty, placeholder, now)
        store.case_events.forget_notes(row.id)
        for alert in store.alerts.open_of_subjects([row.id], lock=True).get(row.id, []):
            store.alerts.save(alert.withdraw(actor, now), alert)
        store.audit.record(actor, "subject.withdrawn", now, subject_id=row.id)
    return True


def purge_events(app: Context, *, now: datetime) -> int:
    """Delete raw events received longer ago than the retention period."""
    cutoff = now - app.options.event_retention
    with app.transaction() as store:
        return store.events.purge(cutoff)
