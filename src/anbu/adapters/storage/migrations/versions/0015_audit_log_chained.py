"""the audit log chained: each entry linked to the one before by a keyed hash

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Each audit entry gets `link`, an HMAC (key derived from the master key, never stored here) of
the link before it and of the entry's content, and `previous_link`, the link it was made
from; `audit_chain` keeps the newest link, and its one row (made with the first entry) is
the lock writers take. The entries already there are linked here, in `id` order, with the
vault's `audit_link` that `anbu.adapters.storage.engine.upgrade` hands over: without it (and
with entries to link) the upgrade stops, before changing anything, rather than leave them
outside the chain.
"""

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in anbu.adapters.storage.audit_log at this revision; a migration never imports the code
# it outlives.
GENESIS = bytes(32)
HEAD = 1
BATCH = 5000

audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.BigInteger()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("subject_id", sa.BigInteger()),
    sa.column("detail", sa.Text()),
    sa.column("previous_link", sa.LargeBinary()),
    sa.column("link", sa.LargeBinary()),
)


def _aware(value: datetime | str) -> datetime:
    # SQLite hands the stored text back; the app stores UTC.
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def _canonical(at: datetime, actor: str, action: str, subject_id: int | None, detail: str) -> bytes:
    stamp = _aware(at).isoformat(timespec="microseconds")
    return json.dumps([stamp, actor, action, subject_id, detail], separators=(",", ":")).encode()


def _link_function() -> Callable[[bytes, bytes], bytes]:
    link: Callable[[bytes, bytes], bytes] | None = context.config.attributes.get("audit_link")
    if link is None:
        raise RuntimeError(
            "linking the audit log's entries needs the master key: upgrade with "
            "`anbu db upgrade` (or any anbu command), not with Alembic alone"
        )
    return link


def _link_existing(connection: sa.Connection, link: Callable[[bytes, bytes], bytes]) -> bytes:
    """Link every entry in id order; returns the newest link."""
    previous, after = GENESIS, 0
    while True:
        rows = connection.execute(
            sa.select(
                audit_log.c.id,
                audit_log.c.at,
                audit_log.c.actor,
                audit_log.c.action,
                audit_log.c.subject_id,
                audit_log.c.detail,
            )
            .where(audit_log.c.id > after)
            .order_by(audit_log.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return previous
        changed = []
        for entry_id, at, actor, action, subject_id, detail in rows:
            made = link(previous, _canonical(at, actor, action, subject_id, detail))
            changed.append({"eid": entry_id, "before": previous, "made": made})
            previous = made
        connection.execute(
            audit_log.update()
            .where(audit_log.c.id == sa.bindparam("eid"))
            .values(previous_link=sa.bindparam("before"), link=sa.bindparam("made")),
            changed,
        )
        after = rows[-1][0]


def upgrade() -> None:
    connection = op.get_bind()
    # Asked before any change: SQLite does not roll back the columns added.
    any_entry = connection.scalar(sa.select(audit_log.c.id).limit(1)) is not None
    link = _link_function() if any_entry else None
    # audit_log has no foreign key either way, so SQLite's batch copy of it is safe.
    op.add_column("audit_log", sa.Column("previous_link", sa.LargeBinary(length=32)))
    op.add_column("audit_log", sa.Column("link", sa.LargeBinary(length=32)))
    newest = _link_existing(connection, link) if link else GENESIS
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("previous_link", existing_type=sa.LargeBinary(32), nullable=False)
        batch.alter_column("link", existing_type=sa.LargeBinary(32), nullable=False)
    chain = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("link", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    # Without entries the head is made by the first: an empty schema stays empty (the demo
    # runs only on one).
    if newest != GENESIS:
        op.bulk_insert(chain, [{"id": HEAD, "link": newest}])


def downgrade() -> None:
    op.drop_table("audit_chain")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("link")
        batch.drop_column("previous_link")
