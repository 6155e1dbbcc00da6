"""open cases whose person showed life again, indexed

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

Every sweep asks which open cases' people showed life again and have not been followed up.
Without an index that question read every alert ever raised, so each sweep grew slower with
the district's history; a partial index holds just those few cases.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As anbu.adapters.storage.tables.RESUMED_UNFOLLOWED at this revision; a migration never
# imports the code it outlives.
RESUMED_UNFOLLOWED = (
    "resumed_at IS NOT NULL AND followed_up_at IS NULL AND policy IS NOT NULL"
    " AND state != 'resolved'"
)


def upgrade() -> None:
    op.create_index(
        "ix_alerts_resumed",
        "alerts",
        ["id"],
        sqlite_where=sa.text(RESUMED_UNFOLLOWED),
        postgresql_where=sa.text(RESUMED_UNFOLLOWED),
    )


def downgrade() -> None:
    op.drop_index("ix_alerts_resumed", table_name="alerts")
