"""rhythms scaled to the start of their four-week span, not to their latest sign

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

A learned rhythm's counts were scaled to its latest sign (`rhythm_at`), so every sign
learned rescaled all 168 of them. They are now scaled to the start of the four-week span
(counted from the Unix epoch) that `rhythm_at` falls in, and a sign only adds to its own
hour. Each stored rhythm is rescaled once, here, so that it means what it meant.
"""

import math
from array import array
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in anbu.domain.rhythm at this revision; a migration never imports the code it outlives.
MEMORY = timedelta(days=28)
BATCH = 5000

subjects = sa.table(
    "subjects",
    sa.column("id", sa.BigInteger()),
    sa.column("rhythm", sa.LargeBinary()),
    sa.column("rhythm_at", sa.DateTime(timezone=True)),
)


def _anchor(instant: datetime) -> datetime:
    span = MEMORY.total_seconds()
    return datetime.fromtimestamp(math.floor(instant.timestamp() / span) * span, UTC)


def _aware(value: datetime | str) -> datetime:
    # SQLite hands the stored text back; the app stores UTC.
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def upgrade() -> None:
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(subjects.c.id, subjects.c.rhythm, subjects.c.rhythm_at)
            .where(subjects.c.id > after, subjects.c.rhythm.is_not(None))
            .order_by(subjects.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        changed = []
        for subject_id, packed, at in rows:
            if at is None:
                continue
            latest = _aware(at)
            scale = math.exp((latest - _anchor(latest)) / MEMORY)
            counts = array("f", bytes(packed))
            changed.append(
                {"sid": subject_id, "packed": array("f", [c * scale for c in counts]).tobytes()}
            )
        if changed:
            connection.execute(
                subjects.update()
                .where(subjects.c.id == sa.bindparam("sid"))
                .values(rhythm=sa.bindparam("packed")),
                changed,
            )
        after = rows[-1][0]


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(subjects.c.id, subjects.c.rhythm, subjects.c.rhythm_at).where(
            subjects.c.rhythm.is_not(None)
        )
    ).all()
    for subject_id, packed, at in rows:
        if at is None:
            continue
        latest = _aware(at)
        scale = math.exp(-(latest - _anchor(latest)) / MEMORY)
        counts = array("f", bytes(packed))
        connection.execute(
            subjects.update()
            .where(subjects.c.id == subject_id)
            .values(rhythm=array("f", [c * scale for c in counts]).tobytes())
        )
