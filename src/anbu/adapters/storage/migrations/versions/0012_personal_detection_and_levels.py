"""personal detection: a rhythm per person, a default per centre; levels and reasons on alerts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

A person is watched by the fixed period (as before, the default) or by personal detection,
chosen in the subjects CSV (`detection_custom`) or following their centre's default
(`centres.detection`). Personal detection keeps, per person, the rhythm learned from their
signs of life (168 counts, 4-byte floats, scaled to `rhythm_at`), the calls unanswered since
their last sign (`missed_calls`, epoch seconds) and the level their current silence's alert
has reached (`silence_level`).

An alert carries its level (attention, caution, serious), when each level fell due, and why
it was raised (JSON figures). Alerts raised before are serious, from when they fell due.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anbu.adapters.storage.tables

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, anbu.adapters.storage.tables.Instant(timezone=True), nullable=True)


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy: on SQLite a copied table is dropped, and with
    # foreign keys on, dropping `subjects` would take every alert with it.
    op.add_column(
        "subjects",
        sa.Column("detection", sa.String(length=8), nullable=False, server_default="fixed"),
    )
    op.add_column(
        "subjects",
        sa.Column("detection_custom", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("subjects", sa.Column("rhythm", sa.LargeBinary(), nullable=True))
    op.add_column("subjects", _instant("rhythm_at"))
    op.add_column("subjects", sa.Column("missed_calls", sa.LargeBinary(), nullable=True))
    op.add_column("subjects", sa.Column("silence_level", sa.String(length=16), nullable=True))
    op.add_column("centres", sa.Column("detection", sa.String(length=8), nullable=True))
    op.add_column(
        "alerts",
        sa.Column("level", sa.String(length=16), nullable=False, server_default="serious"),
    )
    for name in ("attention_at", "caution_at", "serious_at"):
        op.add_column("alerts", _instant(name))
    op.add_column("alerts", sa.Column("reason", sa.Text(), nullable=True))
    op.execute("UPDATE alerts SET serious_at = due_at")


def downgrade() -> None:
    for name in ("reason", "serious_at", "caution_at", "attention_at", "level"):
        op.drop_column("alerts", name)
    op.drop_column("centres", "detection")
    for name in (
        "silence_level",
        "missed_calls",
        "rhythm_at",
        "rhythm",
        "detection_custom",
        "detection",
    ):
        op.drop_column("subjects", name)
