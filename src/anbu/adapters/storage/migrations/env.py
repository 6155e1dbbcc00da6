"""Alembic environment: the engine is handed over by `anbu.adapters.storage.engine`."""

from alembic import context

from anbu.adapters.storage.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
