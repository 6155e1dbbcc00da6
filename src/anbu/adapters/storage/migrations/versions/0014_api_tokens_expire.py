"""API tokens expire

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

Every bearer token now works until `expires_at` (90 days by default, `anbu tokens create
--days N`). Tokens made before this revision were meant to last for ever; rather than leave
them so, each is given 90 days from the moment this migration runs, which is time enough to
replace them without an integration stopping overnight.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As anbu.domain.tokens.TOKEN_DAYS at this revision; a migration never imports the code
# it outlives.
GRACE = timedelta(days=90)


def upgrade() -> None:
    until = (datetime.now(UTC) + GRACE).replace(microsecond=0)
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Plain ADD COLUMN with a constant default, never a batch copy (on SQLite a copied table
    # is dropped and re-made): the default is what the existing tokens get. SQLite keeps
    # naive UTC in SQLAlchemy's text form; PostgreSQL a timestamptz.
    stored = until.replace(tzinfo=None).isoformat(" ") + ".000000" if sqlite else until.isoformat()
    op.add_column(
        "api_tokens",
        sa.Column(
            "expires_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text(f"'{stored}'"),
        ),
    )
    if not sqlite:
        # New tokens always say when they end; SQLite cannot drop a default without a copy,
        # and the application never leans on it there either.
        op.alter_column("api_tokens", "expires_at", server_default=None)


def downgrade() -> None:
    op.drop_column("api_tokens", "expires_at")
