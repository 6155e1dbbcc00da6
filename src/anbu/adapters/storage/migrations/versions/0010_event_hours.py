"""events received per carrier and hour

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25

The operators' board showed events per hour by counting the day's `activity_events`: about
0.4 s per million events, several seconds for a country. Ingest now keeps the counts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anbu.adapters.storage.tables

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The board looks back a day; two days of history is all a count is needed for.
BACKFILL = {
    "postgresql": (
        "INSERT INTO event_hours (carrier, hour, events)"
        " SELECT carrier, date_trunc('hour', received_at, 'UTC'), count(*)"
        " FROM activity_events WHERE received_at >= now() - interval '2 days'"
        " GROUP BY 1, 2"
    ),
    # SQLite keeps instants as naive UTC text in SQLAlchemy's format.
    "sqlite": (
        "INSERT INTO event_hours (carrier, hour, events)"
        " SELECT carrier, strftime('%Y-%m-%d %H:00:00.000000', received_at), count(*)"
        " FROM activity_events"
        " WHERE received_at >= strftime('%Y-%m-%d %H:%M:%S', 'now', '-2 days')"
        " GROUP BY 1, 2"
    ),
}


def upgrade() -> None:
    op.create_table(
        "event_hours",
        sa.Column("carrier", sa.String(length=8), nullable=False),
        sa.Column("hour", anbu.adapters.storage.tables.Instant(timezone=True), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("carrier", "hour", name=op.f("pk_event_hours")),
    )
    op.execute(BACKFILL[op.get_bind().dialect.name])


def downgrade() -> None:
    op.drop_table("event_hours")
