"""a case whose person could not be reached waits for a visit instead of closing

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

"Unreachable, a visit is needed" used to be an outcome: the case closed, turned green and
left every queue, and nobody was asked to go. It is now a state (`visit_needed`): the case
stays open until a visit (or a later sign of life) is on record. `visit_needed_at` says
since when, `visited_at` when the latest visit was recorded.

Cases closed with that outcome are opened again as waiting for a visit, their next step due
at once (the sweep tells the centre), unless someone already holds the visit. Where the
person has another case of the same kind open — a newer episode already in someone's hands —
or a later case of that kind closed with the same outcome, the older case stays closed as
superseded by it: the database allows one open case per person and kind.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anbu.adapters.storage.tables

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNREACHABLE = "'unreachable_visit_needed'"


def upgrade() -> None:
    for name in ("visit_needed_at", "visited_at"):
        op.add_column(
            "alerts",
            sa.Column(name, anbu.adapters.storage.tables.Instant(timezone=True), nullable=True),
        )
    # The latest visit recorded on each case.
    op.execute(
        "UPDATE alerts SET visited_at ="
        " (SELECT max(case_events.at) FROM case_events"
        "  WHERE case_events.alert_id = alerts.id AND case_events.kind = 'visit')"
        " WHERE subject_id IS NOT NULL"
    )
    # Older cases with a later one of the same person and kind that is open, or closed as
    # unreachable too: superseded by it.
    op.execute(
        "UPDATE alerts SET outcome = 'superseded', resolved_by = 'anbu'"
        f" WHERE outcome = {_UNREACHABLE} AND EXISTS (SELECT 1 FROM alerts AS later"
        "  WHERE later.subject_id = alerts.subject_id AND later.kind = alerts.kind"
        "  AND later.id > alerts.id"
        f"  AND (later.state != 'resolved' OR later.outcome = {_UNREACHABLE}))"
    )
    op.execute(
        "UPDATE alerts SET state = 'visit_needed', visit_needed_at = resolved_at,"
        " acknowledged_at = coalesce(acknowledged_at, resolved_at),"
        " acknowledged_by = coalesce(acknowledged_by, resolved_by),"
        " step = 0,"
        " step_due_at = CASE WHEN claimed_by IS NULL AND policy IS NOT NULL"
        "  THEN resolved_at END,"
        " outcome = NULL, resolved_at = NULL, resolved_by = NULL"
        f" WHERE outcome = {_UNREACHABLE}"
    )


def downgrade() -> None:
    op.execute(
        f"UPDATE alerts SET state = 'resolved', outcome = {_UNREACHABLE},"
        " resolved_at = visit_needed_at, resolved_by = acknowledged_by, step_due_at = NULL"
        " WHERE state = 'visit_needed'"
    )
    op.drop_column("alerts", "visited_at")
    op.drop_column("alerts", "visit_needed_at")
