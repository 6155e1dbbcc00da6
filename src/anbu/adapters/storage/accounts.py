"""Staff accounts in the database: passwords, sessions, login attempts and API tokens.
Never commits.

Sessions and tokens are found by the SHA-256 of their secret (`token_hash`): the secret
itself is never stored, so a copy of the database opens nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from anbu.adapters.storage.tables import (
    api_tokens,
    login_attempts,
    officer_centres,
    officers,
    web_sessions,
)
from anbu.domain.kinds import Role

# How finely a token's last use is kept (`anbu tokens list` shows minutes).
TOKEN_USE_GRAIN = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Account:
    officer_id: int
    login: str
    role: Role
    active: bool
    password_hash: str | None
    personal: bytes = b""  # sealed (name, contacts), bound to `officer:<login>`


@dataclass(frozen=True, slots=True)
class SessionRow:
    officer_id: int
    csrf_token: str
    language: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: int
    login: str
    label: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


class Accounts:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- who: the account and its centres ---------------------------------------------

    def account(self, login: str) -> Account | None:
        row = self.connection.execute(
            select(
                officers.c.id,
                officers.c.login,
                officers.c.role,
                officers.c.active,
                officers.c.password_hash,
                officers.c.personal,
            ).where(officers.c.login == login)
        ).first()
        if row is None:
            return None
        return Account(
            row.id,
            row.login,
            Role(row.role),
            bool(row.active),
            row.password_hash,
            bytes(row.personal),
        )

    def account_by_id(self, officer_id: int) -> Account | None:
        login = self.connection.scalar(select(officers.c.login).where(officers.c.id == officer_id))
        return None if login is None else self.account(login)

    def centre_ids(self, officer_id: int) -> frozenset[int]:
        return frozenset(
            self.connection.scalars(
                select(officer_centres.c.centre_id).where(
                    officer_centres.c.officer_id == officer_id
                )
            )
        )

    def set_password_hash(self, officer_id: int, hashed: str, now: datetime) -> None:
        self.connection.execute(
            update(officers)
            .where(officers.c.id == officer_id)
            .values(password_hash=hashed, password_set_at=now)
        )

    # -- logging in: the attempts that throttle guessing -------------------------------

    def record_attempt(self, login: str, address: str, now: datetime, *, succeeded: bool) -> None:
        self.connection.execute(
            insert(login_attempts).values(
                login=login[:64], address=address[:64], at=now, succeeded=succeeded
            )
        )

    def failures_since(self, *, login: str, address: str, since: datetime) -> tuple[int, int]:
        """(failed attempts for this login, failed attempts from this address) since `since`."""
        failed = (login_attempts.c.succeeded.is_(False), login_attempts.c.at >= since)
        by_login = self.connection.scalar(
            select(func.count()).where(login_attempts.c.login == login, *failed)
        )
        by_address = self.connection.scalar(
            select(func.count()).where(login_attempts.c.address == address, *failed)
        )
        return int(by_login or 0), int(by_address or 0)

    # -- sessions of the web application -----------------------------------------------

    def open_session(self, values: dict[str, Any]) -> None:
        self.connection.execute(insert(web_sessions).values(**values))

    def session(self, token_hash: bytes) -> SessionRow | None:
        row = self.connection.execute(
            select(web_sessions).where(web_sessions.c.token_hash == token_hash)
        ).first()
        if row is None:
            return None
        return SessionRow(
            row.officer_id,
            row.csrf_token,
            row.language,
            row.created_at,
            row.last_seen_at,
            row.expires_at,
        )

    def touch_session(self, token_hash: bytes, values: dict[str, Any]) -> None:
        self.connection.execute(
            update(web_sessions).where(web_sessions.c.token_hash == token_hash).values(**values)
        )

    def close_session(self, token_hash: bytes) -> None:
        self.connection.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash))

    def close_sessions_of(self, officer_id: int) -> None:
        self.connection.execute(delete(web_sessions).where(web_sessions.c.officer_id == officer_id))

    def forget_expired(self, now: datetime) -> None:
        self.connection.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))

    # -- API bearer tokens --------------------------------------------------------------

    def add_token(self, values: dict[str, Any]) -> None:
        self.connection.execute(insert(api_tokens).values(**values))

    def token_owner(self, token_hash: bytes, now: datetime) -> int | None:
        """The officer a token in use at `now` (neither revoked nor expired) belongs to."""
        row = self.connection.execute(
            select(api_tokens.c.id, api_tokens.c.officer_id).where(
                api_tokens.c.token_hash == token_hash,
                api_tokens.c.revoked_at.is_(None),
                api_tokens.c.expires_at > now,
            )
        ).first()
        return None if row is None else int(row.officer_id)

    def tokens(self, login: str | None) -> list[TokenRow]:
        """API tokens (never their hashes), oldest first; `login` narrows to one member of
        staff."""
        query = (
            select(
                api_tokens.c.id,
                officers.c.login,
                api_tokens.c.label,
                api_tokens.c.created_at,
                api_tokens.c.expires_at,
                api_tokens.c.last_used_at,
                api_tokens.c.revoked_at,
            )
            .join(officers, officers.c.id == api_tokens.c.officer_id)
            .order_by(api_tokens.c.id)
        )
        if login is not None:
            query = query.where(officers.c.login == login)
        return [TokenRow(*row) for row in self.connection.execute(query)]

    def revoke_token(self, token_id: int, now: datetime) -> bool:
        """False if there is no such token or it was revoked already."""
        changed = self.connection.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        return bool(changed)

    def mark_token_used(self, token_hash: bytes, now: datetime) -> None:
        """Note when a token was used, to the minute: a carrier pushing many requests a
        second writes (and locks) its token's row once a minute, not on every request."""
        self.connection.execute(
            update(api_tokens)
            .where(
                api_tokens.c.token_hash == token_hash,
                or_(
                    api_tokens.c.last_used_at.is_(None),
                    api_tokens.c.last_used_at <= now - TOKEN_USE_GRAIN,
                ),
            )
            .values(last_used_at=now)
        )
