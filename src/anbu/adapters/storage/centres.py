"""Community centres in the database: their escalation policies. Never commits."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, select, update

from anbu.adapters.storage.tables import centres


class CentreRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def policy_texts(self, centre_ids: Collection[int]) -> dict[int, str | None]:
        """Each centre's escalation policy as stored (JSON; None: the default)."""
        rows = self.connection.execute(
            select(centres.c.id, centres.c.escalation_policy).where(
                centres.c.id.in_(list(centre_ids))
            )
        )
        return {centre_id: policy for centre_id, policy in rows}

    def policy_named(self, centre: str) -> tuple[int, str | None] | None:
        """(id, stored policy) of the centre of that name."""
        row = self.connection.execute(
            select(centres.c.id, centres.c.escalation_policy).where(centres.c.name == centre)
        ).first()
        return None if row is None else (row.id, row.escalation_policy)

    def set_policy(self, centre_id: int, policy: str | None) -> None:
        self.connection.execute(
            update(centres).where(centres.c.id == centre_id).values(escalation_policy=policy)
        )
