"""The composition root: wires settings, storage, secrets and rules into the context the
use cases run in, for the CLI, the web application, the demo and the tests alike."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr
from sqlalchemy import Engine

from anbu.adapters.channels import Channel, Medium
from anbu.adapters.channels.configured import ChannelSettings, channels_for
from anbu.adapters.sealing import Vault, load_master_key
from anbu.adapters.storage import engine as storage
from anbu.adapters.storage.unit_of_work import Database
from anbu.domain.activity import LifeRules
from anbu.services.context import Context, Options
from anbu.services.enrolment import fill_missing_name_keys
from anbu.settings import Settings


@dataclass(kw_only=True)
class Anbu(Context):
    """The services' context, with what only the entry points read: the settings (ports,
    URLs, secrets of the gateways) and the engine (schema, health)."""

    settings: Settings

    @property
    def engine(self) -> Engine:
        return self.database.engine

    def close(self) -> None:
        self.database.close()


def configured_channels(settings: Settings, out: TextIO) -> dict[Medium, Channel]:
    """The delivery channels the settings ask for; raises ValueError naming a URL that
    cannot be used."""
    return channels_for(
        ChannelSettings(
            sms_url=settings.sms_url.get_secret_value(),
            sms_sender=settings.sms_sender,
            smtp_url=settings.smtp_url.get_secret_value(),
            mail_from=settings.mail_from,
            public_url=settings.public_url,
            callback_secret=settings.callback_secret.get_secret_value(),
        ),
        out,
    )


def options_from(settings: Settings) -> Options:
    """The settings that the use cases read."""
    return Options(
        future_tolerance=settings.future_tolerance,
        feed_max_delay=timedelta(minutes=settings.feed_max_delay_minutes),
        feed_max_delay_by_carrier={
            carrier: timedelta(minutes=minutes)
            for carrier, minutes in settings.feed_max_delay_by_carrier.items()
        },
        gateway_alarm=settings.gateway_alarm,
        event_retention=settings.event_retention,
        ingest_batch_size=settings.ingest_batch_size,
        public_url=settings.public_url,
        uploads=settings.data_dir / "uploads",
    )


def bootstrap(
    settings: Settings | None = None, *, migrate: bool = True, scratch: bool = False
) -> Anbu:
    """Everything a command needs, on the configured database. With `migrate`, the schema is
    brought to the newest revision first, and after an upgrade the start-up steps that a
    migration cannot take without the key run once. A `scratch` database is thrown away
    after use (`scratch_in`)."""
    settings = settings or Settings()
    engine = storage.make_engine(settings.sqlalchemy_url, scratch=scratch)
    vault = vault_of(settings)
    upgraded = storage.upgrade(engine, audit_link=vault.audit_link) if migrate else False
    app = Anbu(
        settings=settings,
        database=Database(engine, audit_link=vault.audit_link),
        vault=vault,
        rules=LifeRules(data_counts=settings.data_counts_as_life),
        options=options_from(settings),
    )
    if upgraded:
        after_upgrade(app)
    return app


def vault_of(settings: Settings) -> Vault:
    """The vault of the configured master key (the key file is made on first use)."""
    return Vault(master_key_of(settings))


def master_key_of(settings: Settings) -> bytes:
    """The configured master key: `ANBU_SECRET_KEY`, else the key file (made on first use)."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    return load_master_key(secret, key_file_of(settings))


def key_file_of(settings: Settings) -> Path:
    return settings.secret_key_file or settings.data_dir / "secret.key"


def scratch_in(folder: Path, like: Settings) -> Anbu:
    """A throwaway anbu in `folder` — its own SQLite database and its own key — with the
    detection settings of `like`, for a backtest: nothing of the configured database is read
    or written."""
    settings = like.model_copy(
        update={
            "data_dir": folder,
            "database_url": "",
            "secret_key": SecretStr(secrets.token_hex(32)),
            "secret_key_file": None,
        }
    )
    return bootstrap(settings, scratch=True)


def upgrade_schema(settings: Settings) -> bool:
    """`anbu db upgrade`: bring the schema to the newest revision; True if anything ran.
    The start-up steps that follow an upgrade run at the next command's start; linking the
    audit entries already there (0015) needs the key, so the vault is opened for it."""
    engine = storage.make_engine(settings.sqlalchemy_url)
    try:
        return storage.upgrade(engine, audit_link=vault_of(settings).audit_link)
    finally:
        engine.dispose()


def after_upgrade(app: Anbu) -> None:
    """The start-up steps after a schema upgrade: people enrolled before whole-name search
    (schema 0006) get their name key, which needs the vault a migration does not have."""
    fill_missing_name_keys(app)
