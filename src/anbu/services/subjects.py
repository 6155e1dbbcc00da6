"""Changes to one enrolled person beyond the import: pauses and withdrawal of consent."""

from __future__ import annotations

from datetime import datetime

from anbu.bootstrap import Anbu
from anbu.domain.kinds import Outcome
from anbu.domain.pauses import Pause


def pause(
    app: Anbu, external_id: str, pause: Pause, reason: str, *, now: datetime, actor: str
) -> int | None:
    """Add a pause and move the person's due instant accordingly. Returns the pause's
    number (never 0); None if the person is unknown."""
    with app.transaction() as store:
        row = store.subject_by_external_id(external_id)
        if row is None:
            return None
        pause_id = store.add_pause(row.id, pause, reason, now)
        watch = store.watches([row.id], lock=True)[row.id]
        store.save_watches({row.id: watch}, now)
        store.audit(actor, "subject.paused", now, subject_id=row.id, detail=reason)
    return pause_id


def withdraw(app: Anbu, external_id: str, *, now: datetime, actor: str) -> bool:
    """Consent withdrawn: stop monitoring and remove the person's data (SPEC §6).

    Only the reference stays, so that the alert history keeps its shape and a later
    import of an old list cannot silently enrol the person again.
    """
    with app.transaction() as store:
        row = store.subject_by_external_id(external_id)
        if row is None:
            return False
        placeholder = app.vault.lookup_key(f"withdrawn:{external_id}")
        empty = app.vault.seal({}, bound_to=external_id)
        store.forget_subject(row.id, empty, placeholder, now)
        for alert_id in store.open_alert_ids(row.id):
            store.resolve_alert(alert_id, Outcome.CONSENT_WITHDRAWN, actor, now)
        store.audit(actor, "subject.withdrawn", now, subject_id=row.id)
    return True


def purge_events(app: Anbu, *, now: datetime) -> int:
    """Delete raw events received longer ago than the retention period."""
    cutoff = now - app.settings.event_retention
    with app.transaction() as store:
        return store.purge_events(cutoff)
