"""the reports' index carries visit_needed_at

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

The per-centre report counts the cases that came to need a visit; the index the reports
read a year's alerts from (PostgreSQL's INCLUDE; SQLite has none) carries that column too,
so that the count stays an index-only scan.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = ["centre_id", "kind", "outcome", "acknowledged_at", "first_contact_at"]


def upgrade() -> None:
    op.drop_index("ix_alerts_opened", table_name="alerts")
    op.create_index(
        "ix_alerts_opened",
        "alerts",
        ["opened_at"],
        unique=False,
        postgresql_include=[*COUNTED, "visit_needed_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_alerts_opened", table_name="alerts")
    op.create_index(
        "ix_alerts_opened", "alerts", ["opened_at"], unique=False, postgresql_include=COUNTED
    )
