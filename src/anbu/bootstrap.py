"""The composition root: wires settings, storage, secrets and rules for the CLI,
the demo and the tests alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from anbu.adapters.calendar import HolidayCalendar
from anbu.adapters.sealing import Vault, load_master_key
from anbu.adapters.storage import engine as storage
from anbu.adapters.storage.repository import Store
from anbu.domain.activity import LifeRules
from anbu.domain.subjects import GroupPeriods
from anbu.settings import Settings


@dataclass
class Anbu:
    settings: Settings
    engine: Engine
    vault: Vault
    rules: LifeRules
    periods: GroupPeriods = field(default_factory=GroupPeriods)
    # Korean public holidays, for routing alerts outside office hours to the duty desk.
    calendar: HolidayCalendar = field(default_factory=HolidayCalendar)

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """The unit of work: everything inside commits together or not at all."""
        with self.engine.begin() as connection:
            yield Store(connection)

    @property
    def future_tolerance(self) -> timedelta:
        return self.settings.future_tolerance

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, migrate: bool = True) -> Anbu:
    settings = settings or Settings()
    engine = storage.make_engine(settings.sqlalchemy_url)
    upgraded = storage.upgrade(engine) if migrate else False
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    key_file = settings.secret_key_file or settings.data_dir / "secret.key"
    app = Anbu(
        settings=settings,
        engine=engine,
        vault=Vault(load_master_key(secret, key_file)),
        rules=LifeRules(data_counts=settings.data_counts_as_life),
    )
    if upgraded:
        # What a migration cannot do without the key. Imported here: services build on
        # this module.
        from anbu.services.enrolment import fill_missing_name_keys

        fill_missing_name_keys(app)
    return app
