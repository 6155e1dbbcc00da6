"""Shared fixtures: a fresh database per test on SQLite and on the real PostgreSQL.

PostgreSQL is part of the suite, not an option: when it cannot be reached the tests
that need it fail (set ANBU_TEST_SKIP_POSTGRES=1 to skip them on a laptop without it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from anbu.bootstrap import Anbu, bootstrap
from anbu.settings import Settings

from builders import TEST_SECRET

# Kannel; Chromium (browser, phone, desk); NATS JetStream (the carriers' streams)
pytest_plugins = ["gateways.kannel", "gateways.browser", "gateways.jetstream"]

PG_ADMIN_URL = os.environ.get("ANBU_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of this test process's own on the PostgreSQL server; dropped at the end."""
    if os.environ.get("ANBU_TEST_SKIP_POSTGRES") == "1":
        pytest.skip("ANBU_TEST_SKIP_POSTGRES=1")
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc}", pytrace=False)
    name = f"anbu_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _fresh_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture
def fresh_postgres(postgres_database: str) -> str:
    """The PostgreSQL test database, emptied for this test."""
    _fresh_postgres(postgres_database)
    return postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Empty string for the SQLite default in the test's data folder, else a clean PostgreSQL."""
    if request.param == "sqlite":
        return ""
    url: str = request.getfixturevalue("fresh_postgres")
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
    )


@pytest.fixture
def anbu(settings: Settings) -> Iterator[Anbu]:
    app = bootstrap(settings)
    yield app
    app.close()


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for running the `anbu` program against this test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANBU_")}
    env.update(
        ANBU_DATA_DIR=str(settings.data_dir),
        ANBU_DATABASE_URL=settings.database_url,
        ANBU_SECRET_KEY=TEST_SECRET,
        COLUMNS="200",
    )
    return env
