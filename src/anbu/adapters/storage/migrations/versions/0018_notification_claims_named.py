"""a notification's claim names the dispatcher pass that holds it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08

Claims were a two-minute lease on `next_attempt_at` alone, so a killed dispatcher's
messages waited two minutes. Leases are now seconds long and renewed by the pass that holds
them; `claimed_by` lets it renew only its own, and check before each send that no other
instance has taken a claim over after a stall.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("claimed_by", sa.String(32), nullable=True))


def downgrade() -> None:
    op.drop_column("notifications", "claimed_by")
