"""alerts carry their person's centre and the case's first contact

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25

The reports count a year of alerts by centre and time the first call or visit. Joining each
alert to its person (for the centre) and grouping the case events (for the first contact)
cost over a second at a million people; with both on the alert, a report reads `alerts`
alone. `centre_id` is a copy kept current when a person moves centre, so it carries no
foreign key of its own (SQLite could not add one to an existing table anyway).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anbu.adapters.storage.tables

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    id_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.add_column("alerts", sa.Column("centre_id", id_type, nullable=True))
    op.add_column(
        "alerts",
        sa.Column(
            "first_contact_at",
            anbu.adapters.storage.tables.Instant(timezone=True),
            nullable=True,
        ),
    )
    # Alerts opened before this revision get both from what the database already knows.
    op.execute(
        "UPDATE alerts SET centre_id ="
        " (SELECT subjects.centre_id FROM subjects WHERE subjects.id = alerts.subject_id)"
        " WHERE subject_id IS NOT NULL"
    )
    op.execute(
        "UPDATE alerts SET first_contact_at ="
        " (SELECT min(case_events.at) FROM case_events"
        "  WHERE case_events.alert_id = alerts.id"
        "  AND case_events.kind IN ('call', 'visit')"
        "  AND case_events.at >= alerts.opened_at)"
        " WHERE subject_id IS NOT NULL"
    )
    op.create_index("ix_alerts_centre_opened", "alerts", ["centre_id", "opened_at"], unique=False)
    # The reports' index carries what they count (PostgreSQL; SQLite has no INCLUDE).
    op.drop_index("ix_alerts_opened", table_name="alerts")
    op.create_index(
        "ix_alerts_opened",
        "alerts",
        ["opened_at"],
        unique=False,
        postgresql_include=[
            "centre_id",
            "kind",
            "outcome",
            "acknowledged_at",
            "first_contact_at",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_alerts_opened", table_name="alerts")
    op.create_index("ix_alerts_opened", "alerts", ["opened_at"], unique=False)
    op.drop_index("ix_alerts_centre_opened", table_name="alerts")
    op.drop_column("alerts", "first_contact_at")
    op.drop_column("alerts", "centre_id")
