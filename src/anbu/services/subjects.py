"""Changes to one enrolled person beyond the import: pauses."""

from __future__ import annotations

from datetime import datetime

from anbu.bootstrap import Anbu
from anbu.domain.pauses import Pause


def pause(
    app: Anbu, external_id: str, pause: Pause, reason: str, *, now: datetime, actor: str
) -> bool:
    """Add a pause and move the person's due instant accordingly; False if unknown."""
    with app.transaction() as store:
        row = store.subject_by_external_id(external_id)
        if row is None:
            return False
        store.add_pause(row.id, pause, reason, now)
        watch = store.watches([row.id], lock=True)[row.id]
        store.save_watches({row.id: watch}, now)
        store.audit(actor, "subject.paused", now, subject_id=row.id, detail=reason)
    return True
