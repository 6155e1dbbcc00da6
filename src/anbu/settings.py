"""The one settings object, read from `ANBU_*` variables with safe defaults."""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from anbu.domain.kinds import Carrier


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "anbu"


# Empty, or NATS servers: nats:// (or tls://) host:port, comma-separated.
_NATS_URLS = r"^$|^(nats|tls)://[^\s,]+(\s*,\s*(nats|tls)://[^\s,]+)*$"
# The settings that say where anbu keeps its data; empty, each is its default.
_PLACES = frozenset({"data_dir", "database_url"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANBU_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    # The language of what the commands print for people (reasons, words): ko or en. The
    # pages follow each viewer's own choice instead.
    language: Literal["ko", "en"] = "ko"
    # Empty means SQLite in `data_dir`; `postgresql://…` selects PostgreSQL (psycopg 3).
    database_url: str = ""
    # A secret of any length; when unset, a random key is kept in `data_dir/secret.key`.
    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None

    # How far ahead of the wall clock an event or watermark may claim to be.
    future_tolerance_minutes: int = Field(default=5, ge=0, le=24 * 60)
    feed_max_delay_minutes: int = Field(default=360, ge=1)
    # Per-carrier overrides as JSON, e.g. ANBU_FEED_MAX_DELAY_BY_CARRIER='{"KT": 120}'.
    feed_max_delay_by_carrier: dict[Carrier, int] = Field(default_factory=dict)
    data_counts_as_life: bool = False
    ingest_batch_size: int = Field(default=5000, ge=1, le=100_000)
    # `anbu serve` also reads the carriers' NATS JetStream streams (docs/streaming.md) when
    # set: `nats://host:4222`, several servers of a cluster comma-separated. Empty: it does not.
    ingest_url: Annotated[str, Field(pattern=_NATS_URLS)] = ""
    # Carrier C publishes on subject `{prefix}.C`, kept in stream `{PREFIX}_C`.
    ingest_subject_prefix: str = Field(
        default="anbu.feed", pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$", max_length=100
    )
    # The durable consumer every instance shares: each message goes to one of them.
    ingest_consumer: str = Field(default="anbu-ingest", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # A fetched message not acknowledged this long (its reader died) is delivered again.
    ingest_ack_wait_seconds: float = Field(default=60.0, ge=1, le=3600)
    # Where notifications go: console:// prints them (the default, for trying anbu out).
    sms_url: SecretStr = SecretStr("console://")
    # The texts' caller ID, digits only. Korean carriers drop texts from a number that is not
    # registered to the sender (발신번호 사전등록제), so set the centre's registered number.
    sms_sender: str = Field(default="15880000", pattern=r"^[0-9]{3,16}$")
    smtp_url: SecretStr = SecretStr("console://")
    mail_from: str = "anbu@localhost"
    # Where `anbu serve` is reachable by the gateway and by officers' phones (acknowledgement
    # links, Kannel's delivery reports); empty: messages carry no link.
    public_url: str = ""
    # Shared with the SMS gateway: its callbacks (delivery reports, incoming texts) must
    # carry it. Empty: the callback endpoints refuse everything.
    callback_secret: SecretStr = SecretStr("")
    # A channel failing this long (every attempt, nothing getting through) raises an
    # operator alert by the other channels.
    gateway_alarm_minutes: int = Field(default=10, ge=1)
    # `anbu serve`'s background loops. The sweep's interval is most of the delay from a
    # person falling due to the officer's text (issue 15 asks p99 under a minute:
    # benchmarks/overdue_to_sms.py); a sweep with nothing due costs milliseconds.
    sweep_every_seconds: float = Field(default=20.0, gt=0)
    dispatch_every_seconds: float = Field(default=5.0, gt=0)
    # Raw events are kept only this long: detection needs just each person's latest times.
    event_retention_days: int = Field(default=90, ge=1)
    # A report once counted is shown again for this long (0: count every time). A year of a
    # district's alerts takes a few hundred milliseconds to count; nothing in a management
    # report needs the last second, and the page says when it was counted.
    report_cache_seconds: int = Field(default=60, ge=0, le=3600)
    # The largest body `POST /api/v1/ingest` takes (a carrier's batch, read as it streams);
    # every other request is held to a small limit (`anbu.entrypoints.web.limits`).
    ingest_max_mb: int = Field(default=50, ge=1, le=1024)
    # The reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed. Empty: none is, so a client cannot pick the address the
    # login throttle counts by sending the header itself.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()

    @model_validator(mode="before")
    @classmethod
    def _empty_places_unset(cls, values: object) -> object:
        """An empty ANBU_DATA_DIR or ANBU_DATABASE_URL (`ANBU_DATA_DIR= anbu demo`, a blank
        line in a unit file) means the default, as if unset: not the current folder, which
        is what `Path("")` would make of it, and not a place named on purpose, which would
        lead `anbu demo` beside real data (`demo.database.own_folder`)."""
        if not isinstance(values, dict):
            return values
        return {
            key: value
            for key, value in values.items()
            if not (key in _PLACES and isinstance(value, str) and not value.strip())
        }

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _addresses(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        proxies = tuple(part.strip() for part in value.split(",") if part.strip())
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError as exc:
                # uvicorn would take a typo as a literal that never matches: say so now.
                raise ValueError(f"not an address or network: {proxy!r}") from exc
        return proxies

    @property
    def sqlalchemy_url(self) -> str:
        url = self.database_url.strip()
        if not url:
            return f"sqlite:///{self.data_dir / 'anbu.sqlite3'}"
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url.removeprefix(plain)
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    @property
    def ingest_servers(self) -> list[str]:
        return [part.strip() for part in self.ingest_url.split(",") if part.strip()]

    @property
    def ingest_max_bytes(self) -> int:
        return self.ingest_max_mb * 1024 * 1024

    @property
    def future_tolerance(self) -> timedelta:
        return timedelta(minutes=self.future_tolerance_minutes)

    @property
    def gateway_alarm(self) -> timedelta:
        return timedelta(minutes=self.gateway_alarm_minutes)

    @property
    def event_retention(self) -> timedelta:
        return timedelta(days=self.event_retention_days)

    def feed_max_delay(self, carrier: Carrier) -> timedelta:
        minutes = self.feed_max_delay_by_carrier.get(carrier, self.feed_max_delay_minutes)
        return timedelta(minutes=minutes)
