"""Staff accounts for the web application and the API: passwords (argon2id), logins with
throttling, sessions and bearer tokens.

Secrets handed out (session cookies, API tokens) are random; only their SHA-256 is stored,
so a copy of the database opens nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from anbu.adapters.storage.accounts import TokenRow
from anbu.domain.kinds import Role
from anbu.domain.passwords import check_password, too_long
from anbu.domain.reach import Reach
from anbu.domain.tokens import LONGEST_TOKEN_DAYS as LONGEST_TOKEN_DAYS
from anbu.domain.tokens import TOKEN_DAYS as TOKEN_DAYS
from anbu.domain.wording import Message, MessageError
from anbu.services.context import Context
from anbu.services.officers import name_on_record

# An officer on a night shift stays logged in; an unattended screen does not.
IDLE = timedelta(hours=2)
LONGEST = timedelta(hours=12)
# Guessing is slowed to a crawl: five failures per login, or twenty per address, in this window.
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_ADDRESS = 20
LANGUAGES = ("ko", "en")

_hasher = PasswordHasher()


@cache
def _dummy() -> str:
    """Verified against when the login does not exist, so that the answer takes as long.
    Made on first use, not at import: an argon2 hash costs most of a second of CPU, and every
    command and every worker that imports this module would pay it."""
    return _hasher.hash("not a password anybody has")


class AccountError(MessageError):
    """The account cannot be created or changed; `reason` says why."""


class LoginRefusal(StrEnum):
    INVALID = "invalid"  # unknown login or wrong password: the same, on purpose
    THROTTLED = "throttled"
    TOO_LONG = "too_long"  # longer than any password that could have been set


class LoginRefusedError(Exception):
    def __init__(self, reason: LoginRefusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class StaffUser:
    """Who is asking, as every page and API call sees them."""

    officer_id: int
    login: str
    role: Role
    centre_ids: frozenset[int]
    language: str = "ko"
    csrf_token: str = ""  # empty for API tokens (no cookie, nothing to forge)
    name: str | None = None  # the name on record; None: none but the login

    @property
    def shown_name(self) -> str:
        """What pages call them: their name, or their login when none is on record."""
        return self.name or self.login

    @property
    def reach(self) -> Reach:
        """Whose cases and people they may see and act on."""
        return Reach(self.role, self.centre_ids)

    @property
    def whole_district(self) -> bool:
        """Administrators and the duty desk see every centre."""
        return self.reach.centres is None

    @property
    def sees_personal_data(self) -> bool:
        return self.reach.personal_data


@dataclass(frozen=True, slots=True)
class OpenedSession:
    token: str
    user: StaffUser


def create_user(
    app: Context,
    login: str,
    *,
    role: Role,
    centres: Iterable[str],
    password: str,
    now: datetime,
    actor: str,
) -> str:
    """Give a member of staff a password, creating them if they are not on file (an
    imported officer keeps their contacts). Returns "created" or "updated". Raises
    PasswordRefusedError for a password the rule refuses (anbu.domain.passwords), before
    anything is read or written, and AccountError for centres or roles that do not fit."""
    check_password(password, login=login)
    wanted = sorted(set(centres))
    with app.transaction() as tx:
        staff = tx.staff
        known = staff.centre_ids()
        unknown = [name for name in wanted if name not in known]
        if unknown:
            raise AccountError(Message("account.unknown_centres", names=", ".join(unknown)))
        if role in (Role.OFFICER, Role.LEAD) and not wanted:
            existing = tx.accounts.account(login)
            if existing is None:
                raise AccountError(Message("account.centre_needed", role=role.value))
        existing = tx.accounts.account(login)
        if existing is None:
            officer_id = staff.insert(
                {
                    "login": login,
                    "role": role.value,
                    "personal": app.vault.seal({"name": login}, bound_to=f"officer:{login}"),
                    # Not any imported record: the next import of this login updates it.
                    "record_key": app.vault.lookup_key(f"account:{login}"),
                    "active": True,
                    "has_phone": False,
                    "has_email": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            outcome = "created"
        else:
            officer_id = existing.officer_id
            staff.update(officer_id, {"role": role.value, "active": True, "updated_at": now})
            outcome = "updated"
        if wanted:
            staff.assign(officer_id, [known[name] for name in wanted])
        tx.accounts.set_password_hash(officer_id, _hasher.hash(password), now)
        # A new password ends every session opened with the old one.
        tx.accounts.close_sessions_of(officer_id)
        detail = json.dumps({"login": login, "role": role.value, "centres": wanted})
        tx.audit.record(actor, f"account.{outcome}", now, detail=detail)
    return outcome


def log_in(
    app: Context, login: str, password: str, *, address: str, language: str, now: datetime
) -> OpenedSession:
    """Check the password and open a session; raises LoginRefusedError (the same for an unknown
    login and a wrong password, so that staff logins cannot be discovered; TOO_LONG for a
    password longer than any that could be set, refused without hashing it)."""
    login = login.strip().lower()
    with app.transaction() as tx:
        by_login, by_address = tx.accounts.failures_since(
            login=login, address=address, since=now - WINDOW
        )
        found = tx.accounts.account(login)
    if by_login >= MAX_FAILURES_PER_LOGIN or by_address >= MAX_FAILURES_PER_ADDRESS:
        with app.transaction() as tx:
            tx.accounts.record_attempt(login, address, now, succeeded=False)
        raise LoginRefusedError(LoginRefusal.THROTTLED)
    if too_long(password):
        # Counted as a failure like any wrong guess, but never hashed: argon2 over a
        # megabyte is the server's time, not the guesser's.
        with app.transaction() as tx:
            tx.accounts.record_attempt(login, address, now, succeeded=False)
            tx.audit.record(login, "login.failed", now, detail=address)
        raise LoginRefusedError(LoginRefusal.TOO_LONG)
    good = _verify(found.password_hash if found else None, password)
    ok = good and found is not None and found.active
    if not ok or found is None:
        # Recorded in a transaction of its own that commits: the refusal must count.
        with app.transaction() as tx:
            tx.accounts.record_attempt(login, address, now, succeeded=False)
            tx.audit.record(login, "login.failed", now, detail=address)
        raise LoginRefusedError(LoginRefusal.INVALID)
    with app.transaction() as tx:
        tx.accounts.record_attempt(login, address, now, succeeded=True)
        if found.password_hash and _hasher.check_needs_rehash(found.password_hash):
            tx.accounts.set_password_hash(found.officer_id, _hasher.hash(password), now)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        lang = language if language in LANGUAGES else "ko"
        tx.accounts.forget_expired(now)
        tx.accounts.open_session(
            {
                "token_hash": _digest(token),
                "officer_id": found.officer_id,
                "csrf_token": csrf,
                "language": lang,
                "created_at": now,
                "last_seen_at": now,
                "expires_at": now + IDLE,
            },
        )
        tx.audit.record(login, "login", now, detail=address)
        centres = tx.accounts.centre_ids(found.officer_id)
    name = name_on_record(app, login, found.personal)
    return OpenedSession(
        token, StaffUser(found.officer_id, login, found.role, centres, lang, csrf, name)
    )


def session_user(app: Context, token: str, now: datetime) -> StaffUser | None:
    """The user of a live session, sliding its idle expiry; None if expired or unknown."""
    digest = _digest(token)
    with app.transaction() as tx:
        row = tx.accounts.session(digest)
        if row is None:
            return None
        if now >= row.expires_at or now >= row.created_at + LONGEST:
            tx.accounts.close_session(digest)
            return None
        found = tx.accounts.account_by_id(row.officer_id)
        if found is None or not found.active:
            tx.accounts.close_session(digest)
            return None
        # Written at most once a minute: a page view should not always be a write.
        if now - row.last_seen_at > timedelta(minutes=1):
            until = min(now + IDLE, row.created_at + LONGEST)
            tx.accounts.touch_session(digest, {"last_seen_at": now, "expires_at": until})
        centres = tx.accounts.centre_ids(found.officer_id)
    name = name_on_record(app, found.login, found.personal)
    return StaffUser(
        found.officer_id, found.login, found.role, centres, row.language, row.csrf_token, name
    )


def set_language(app: Context, token: str, language: str) -> None:
    if language in LANGUAGES:
        with app.transaction() as tx:
            tx.accounts.touch_session(_digest(token), {"language": language})


def log_out(app: Context, token: str, now: datetime, login: str) -> None:
    with app.transaction() as tx:
        tx.accounts.close_session(_digest(token))
        tx.audit.record(login, "logout", now)


def create_token(
    app: Context,
    login: str,
    *,
    label: str,
    now: datetime,
    actor: str,
    days: int = TOKEN_DAYS,
) -> str:
    """A new API bearer token for `login`, working for `days` from `now`; shown once, stored
    as a hash. Raises AccountError for an inactive or unknown login, or `days` outside
    1..LONGEST_TOKEN_DAYS."""
    if not 1 <= days <= LONGEST_TOKEN_DAYS:
        raise AccountError(Message("account.token_days", longest=LONGEST_TOKEN_DAYS, days=days))
    with app.transaction() as tx:
        found = tx.accounts.account(login)
        if found is None or not found.active:
            raise AccountError(Message("staff.not_active", login=login))
        token = "anbu_" + secrets.token_urlsafe(32)
        expires = now + timedelta(days=days)
        tx.accounts.add_token(
            {
                "officer_id": found.officer_id,
                "token_hash": _digest(token),
                "label": label[:100],
                "created_at": now,
                "expires_at": expires,
            },
        )
        detail = {"login": login, "label": label, "expires_at": expires.isoformat()}
        tx.audit.record(actor, "token.created", now, detail=json.dumps(detail))
    return token


def list_tokens(app: Context, login: str | None = None) -> list[TokenRow]:
    with app.transaction() as tx:
        return tx.accounts.tokens(login)


def revoke_token(app: Context, token_id: int, *, now: datetime, actor: str) -> TokenRow:
    """Stop a token working from now on (a lost laptop, a finished integration); the row is
    kept for the record. Raises AccountError for an unknown or already revoked token."""
    with app.transaction() as tx:
        if not tx.accounts.revoke_token(token_id, now):
            raise AccountError(Message("account.no_token", token=token_id))
        (revoked,) = [row for row in tx.accounts.tokens(None) if row.id == token_id]
        detail = {"token": token_id, "login": revoked.login, "label": revoked.label}
        tx.audit.record(actor, "token.revoked", now, detail=json.dumps(detail))
    return revoked


def token_user(app: Context, token: str, now: datetime) -> StaffUser | None:
    """Who a bearer token speaks for; None if it is unknown, revoked or expired at `now`, or
    its owner is no longer active."""
    digest = _digest(token)
    with app.transaction() as tx:
        officer_id = tx.accounts.token_owner(digest, now)
        if officer_id is None:
            return None
        found = tx.accounts.account_by_id(officer_id)
        if found is None or not found.active:
            return None
        tx.accounts.mark_token_used(digest, now)
        centres = tx.accounts.centre_ids(officer_id)
    name = name_on_record(app, found.login, found.personal)
    return StaffUser(officer_id, found.login, found.role, centres, name=name)


def _verify(hashed: str | None, password: str) -> bool:
    try:
        return _hasher.verify(hashed or _dummy(), password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
