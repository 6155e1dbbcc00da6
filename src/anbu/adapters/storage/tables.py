"""The schema. Migrations in `migrations/` must match it (a test compares them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

# Open cases whose person showed life again and whose recipients have not yet been told so.
# Written out as SQL, not built from columns, so that the query says exactly the partial
# index's condition with 'resolved' as a literal: a database proves that a partial index
# covers a query from the query's own terms, and PostgreSQL cannot from a bound parameter
# once psycopg has prepared the statement and the plan is generic.
RESUMED_UNFOLLOWED = (
    "resumed_at IS NOT NULL AND followed_up_at IS NULL AND policy IS NOT NULL"
    " AND state != 'resolved'"
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Instant(TypeDecorator[datetime]):
    """An aware instant, stored in UTC. SQLite keeps no offset, so it stores naive UTC
    and every value read back is made aware again; PostgreSQL uses timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: every instant carries an offset")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # On SQLite every instant bound or read went through two layers of processing (this
    # type's, then SQLite's DATETIME formatting or parsing): ~10 % of a backtest's time, which
    # moves millions of them. One function each way does the same in C-level calls, writing
    # exactly the text SQLite's DATETIME writes ("2026-12-07 01:00:00.000000").

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return sqlite_text

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_instant


# A replay binds and reads the same few instants again and again (the delivery's `now`, a
# person's last signs, read at ingest and again at the sweep): each is worked out once. Equal
# aware instants have one UTC text, so a cached answer is the one it would compute; a naive
# one raises, and an exception is never cached.
_SEEN = 1 << 15


@lru_cache(maxsize=_SEEN)
def sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes are refused: every instant carries an offset")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


@lru_cache(maxsize=_SEEN)
def _sqlite_instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    instant = datetime.fromisoformat(value)
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only

centres = Table(
    "centres",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("created_at", Instant(), nullable=False),
    # The centre's escalation policy as JSON (`EscalationPolicy.to_json`); NULL = default.
    Column("escalation_policy", Text()),
    # The centre's default periods by group as JSON (minutes by group); NULL = the district's.
    Column("group_periods", Text()),
    # How the centre's people are watched unless set for the person: NULL = the fixed period.
    Column("detection", String(8)),
)

subjects = Table(
    "subjects",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("external_id", String(64), nullable=False, unique=True),
    Column("centre_id", Id, ForeignKey("centres.id"), nullable=False, index=True),
    Column("carrier", String(8), nullable=False),
    # HMAC of the E.164 number: lookups without keeping the number in clear.
    Column("phone_key", LargeBinary(32), nullable=False, unique=True),
    # AES-GCM sealed JSON of name, phone, birth date and address.
    Column("personal", LargeBinary(), nullable=False),
    # Keyed hash of the enrolment record, so that a re-import can tell "unchanged".
    Column("record_key", LargeBinary(32), nullable=False),
    Column("group", String(16), nullable=False),
    Column("inactivity_minutes", Integer(), nullable=False),
    Column("inactivity_custom", Boolean(), nullable=False),
    Column("phone_off_minutes", Integer(), nullable=False),
    Column("phone_off_custom", Boolean(), nullable=False),
    Column("consent_at", Instant(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("withdrawn_at", Instant()),
    Column("last_life_at", Instant()),
    Column("last_on_at", Instant()),
    Column("last_off_at", Instant()),
    Column("silence_alerted_base", Instant()),
    Column("off_alerted_base", Instant()),
    Column("next_due_at", Instant()),
    # HMAC of the normalised name: officers find a person by their whole name without the
    # names being readable in the database (not unique: namesakes exist).
    Column("name_key", LargeBinary(32), index=True),
    # How the person is watched: the fixed period, or personal detection; set for the
    # person (custom) or following their centre's default.
    Column("detection", String(8), nullable=False, server_default="fixed"),
    Column("detection_custom", Boolean(), nullable=False, server_default=text("false")),
    # Personal detection's state: the learned rhythm (168 4-byte floats, scaled to
    # `rhythm_at`), the calls unanswered since the last sign of life (8-byte epoch seconds),
    # and the level the current silence's alert has reached.
    Column("rhythm", LargeBinary()),
    Column("rhythm_at", Instant()),
    Column("missed_calls", LargeBinary()),
    Column("silence_level", String(16)),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    # The sweep asks "who of this carrier is due by its watermark?" from this index alone.
    Index("ix_subjects_due", "carrier", "next_due_at"),
    # Officers search by the start of a reference ("SD-00"): a LIKE prefix needs pattern ops
    # on PostgreSQL whatever the database's collation (on SQLite it is a plain index).
    Index(
        "ix_subjects_external_id_pattern",
        "external_id",
        postgresql_ops={"external_id": "text_pattern_ops"},
    ),
    # Reports count the people being watched per centre and age band (an index-only scan).
    # Not partial on status: a partial index would compete with ix_subjects_due for the
    # sweep's own "status = 'active'" query.
    # With `id` last, a report joins a centre's alerts to their people from this index alone.
    Index("ix_subjects_centre_group_status", "centre_id", "group", "status", "id"),
)

pauses = Table(
    "pauses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("subject_id", Id, ForeignKey("subjects.id", ondelete="CASCADE"), nullable=False),
    Column("starts_at", Instant(), nullable=False),
    Column("ends_at", Instant()),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("created_at", Instant(), nullable=False),
    Index("ix_pauses_subject", "subject_id", "starts_at"),
)

activity_events = Table(
    "activity_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("carrier", String(8), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("subject_id", Id, ForeignKey("subjects.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("occurred_at", Instant(), nullable=False),
    Column("duration_s", Integer()),
    Column("received_at", Instant(), nullable=False),
    UniqueConstraint("carrier", "event_id", name="uq_activity_events_carrier_event"),
    Index("ix_activity_events_subject", "subject_id", "occurred_at"),
    Index("ix_activity_events_received", "received_at"),
)

# Events received per carrier and clock hour (UTC), counted by ingest as it stores them, so
# that the operators' board need not count a day of a country's events at every look.
event_hours = Table(
    "event_hours",
    metadata,
    Column("carrier", String(8), primary_key=True),
    Column("hour", Instant(), primary_key=True),
    Column("events", BigInteger(), nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("carrier", String(8), primary_key=True),
    Column("declared_until", Instant()),
    Column("seen_until", Instant()),
    Column("expected_since", Instant()),
    Column("updated_at", Instant(), nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("subject_id", Id, ForeignKey("subjects.id", ondelete="CASCADE")),
    Column("carrier", String(8)),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("base_at", Instant(), nullable=False),
    Column("due_at", Instant(), nullable=False),
    Column("opened_at", Instant(), nullable=False),
    Column("resumed_at", Instant()),
    Column("acknowledged_at", Instant()),
    Column("acknowledged_by", String(64)),
    Column("resolved_at", Instant()),
    Column("outcome", String(32)),
    Column("resolved_by", String(64)),
    # Why, in the officer's words (a false alarm: phone lost, travelling, new number…).
    Column("resolution_note", String(500)),
    # The policy in force when the alert opened, copied so that a later edit does not
    # change a case in flight; NULL for alerts about the system (feeds, gateways).
    Column("policy", Text()),
    # The escalation's next step (an index into the plan for the alert's phase) and when it
    # is due; executing a step moves `step` on conditionally, so a stale or repeated step
    # does nothing. NULL `step_due_at`: nothing more is scheduled.
    Column("step", Integer(), nullable=False, server_default=text("0")),
    Column("step_due_at", Instant()),
    # When staff were first told (NULL while the alert is still at the self-check).
    Column("staff_told_at", Instant()),
    # When those told were sent the "activity resumed" follow-up.
    Column("followed_up_at", Instant()),
    # For an alert about a delivery channel (gateway down): its medium.
    Column("channel", String(8)),
    # Who is on their way (so that two officers do not visit the same door), and since when.
    Column("claimed_by", String(64)),
    Column("claimed_at", Instant()),
    # The person's centre, copied when the alert opens and kept current when they move
    # (an alert counts for the centre its person belongs to now), so that reports read
    # `alerts` alone; NULL for alerts about the system.
    Column("centre_id", Id),
    # The case's first call or visit at or after opening: what "time to first contact"
    # measures, written with that case event.
    Column("first_contact_at", Instant()),
    # Since when the case has waited for a visit (nobody could reach the person), and when
    # the latest visit was recorded: a case that needed one closes only after one.
    Column("visit_needed_at", Instant()),
    Column("visited_at", Instant()),
    # How grave the case is (attention, caution, serious), when each level fell due, and
    # why it was raised (JSON figures, worded by whoever shows them).
    Column("level", String(16), nullable=False, server_default="serious"),
    Column("attention_at", Instant()),
    Column("caution_at", Instant()),
    Column("serious_at", Instant()),
    Column("reason", Text()),
    # Never two open alerts of one kind for one subject (or one feed), even with
    # several workers sweeping at once: the database itself refuses the second.
    Index(
        "uq_alerts_open_subject_kind",
        "subject_id",
        "kind",
        unique=True,
        sqlite_where=text("state != 'resolved' AND subject_id IS NOT NULL"),
        postgresql_where=text("state != 'resolved' AND subject_id IS NOT NULL"),
    ),
    Index(
        "uq_alerts_open_feed",
        "carrier",
        "kind",
        unique=True,
        sqlite_where=text("state != 'resolved' AND subject_id IS NULL"),
        postgresql_where=text("state != 'resolved' AND subject_id IS NULL"),
    ),
    Index(
        "uq_alerts_open_channel",
        "channel",
        "kind",
        unique=True,
        sqlite_where=text("state != 'resolved' AND channel IS NOT NULL"),
        postgresql_where=text("state != 'resolved' AND channel IS NOT NULL"),
    ),
    Index("ix_alerts_state", "state", "due_at"),
    Index("ix_alerts_step_due", "step_due_at"),
    # Every sweep asks which open cases' people showed life again and have not yet been
    # followed up; without this the question reads every alert ever raised, and a district's
    # history only grows. The condition is the query's own, so both databases use it.
    Index(
        "ix_alerts_resumed",
        "id",
        sqlite_where=text(RESUMED_UNFOLLOWED),
        postgresql_where=text(RESUMED_UNFOLLOWED),
    ),
    # A person's alert history (their page, the API).
    Index("ix_alerts_subject", "subject_id", "opened_at"),
    # Reports read alerts by the week they opened. On PostgreSQL the index carries every
    # column they count, so a year's alerts are read from it alone, not from the wide rows.
    Index(
        "ix_alerts_opened",
        "opened_at",
        postgresql_include=[
            "centre_id",
            "kind",
            "outcome",
            "acknowledged_at",
            "first_contact_at",
            "visit_needed_at",
        ],
    ),
    # A centre's reports.
    Index("ix_alerts_centre_opened", "centre_id", "opened_at"),
)

officers = Table(
    "officers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    # Staff are people too: name, phone and e-mail are sealed like a subject's.
    Column("personal", LargeBinary(), nullable=False),
    Column("record_key", LargeBinary(32), nullable=False),
    Column("active", Boolean(), nullable=False),
    # Whether a phone / an e-mail is on file, so the outbox can choose channels without
    # opening the sealed contacts.
    Column("has_phone", Boolean(), nullable=False, server_default=text("false")),
    Column("has_email", Boolean(), nullable=False, server_default=text("false")),
    # Set when a gateway refused a contact for good (a bad number): for an administrator
    # to correct. Cleared by the next import of that person.
    Column("contact_problem", Text()),
    # argon2id hash of the web password; NULL: no password set (no web login yet).
    Column("password_hash", String(200)),
    Column("password_set_at", Instant()),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
)

officer_centres = Table(
    "officer_centres",
    metadata,
    Column("officer_id", Id, ForeignKey("officers.id", ondelete="CASCADE"), primary_key=True),
    Column("centre_id", Id, ForeignKey("centres.id"), primary_key=True, index=True),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("alert_id", Id, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False, index=True),
    # Staff are named by `officer_id`; the person (self-check) and their guardian by
    # `recipient` alone, their number read from the subject's sealed data at sending time.
    Column("officer_id", Id, ForeignKey("officers.id", ondelete="CASCADE")),
    Column("recipient", String(16), nullable=False, server_default="staff"),
    # Which escalation step queued it ("u3": unacknowledged plan step 3, "a0", "follow_up").
    Column("step", String(16), nullable=False, server_default="u0"),
    Column("medium", String(8), nullable=False),
    # The idempotency key: one notification per alert, recipient, medium and step.
    Column("key", String(128), nullable=False, unique=True),
    Column("subject", String(200), nullable=False),
    Column("body", Text(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False, server_default=text("0")),
    Column("next_attempt_at", Instant(), nullable=False),
    # Which dispatcher pass holds the claim while `next_attempt_at` is its lease: it renews
    # only what it still holds, and checks before each send that nobody took it over.
    Column("claimed_by", String(32)),
    Column("last_error", Text()),
    Column("provider_ref", String(200)),
    Column("created_at", Instant(), nullable=False),
    Column("sent_at", Instant()),
    Column("delivered_at", Instant()),
    # The dispatcher asks "what is queued and due?" from this index.
    Index("ix_notifications_due", "state", "next_attempt_at"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "notification_id",
        Id,
        ForeignKey("notifications.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", Instant(), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text(), nullable=False, server_default=""),
    Column("provider_ref", String(200)),
)

# What officers did on a case: calls, visits, notes. The note is sealed (it may say how the
# person was found) and bound to the case.
case_events = Table(
    "case_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("alert_id", Id, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("at", Instant(), nullable=False),
    Column("by", String(64), nullable=False),
    # call | visit | note | claim | release | visit_needed
    Column("kind", String(16), nullable=False),
    # For a call or a visit: reached | not_reached | no_answer …
    Column("result", String(32)),
    Column("sealed_note", LargeBinary()),
    Index("ix_case_events_alert", "alert_id", "at"),
)

# Web sessions: the cookie holds a random token; only its hash is stored, so a copy of the
# database opens no session.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", LargeBinary(32), primary_key=True),
    Column("officer_id", Id, ForeignKey("officers.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("language", String(2), nullable=False, server_default="ko"),
    Column("created_at", Instant(), nullable=False),
    Column("last_seen_at", Instant(), nullable=False),
    Column("expires_at", Instant(), nullable=False, index=True),
)

# Login attempts, for throttling guessing (per login and per address) and for the audit.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("login", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", Instant(), nullable=False),
    Column("succeeded", Boolean(), nullable=False),
    Index("ix_login_attempts_login", "login", "at"),
    Index("ix_login_attempts_address", "address", "at"),
)

# Bearer tokens for the JSON API; only a hash is kept. Each works until `expires_at`.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("officer_id", Id, ForeignKey("officers.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("label", String(100), nullable=False, server_default=""),
    Column("created_at", Instant(), nullable=False),
    Column("expires_at", Instant(), nullable=False),
    Column("last_used_at", Instant()),
    Column("revoked_at", Instant()),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", Instant(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject_id", Id),
    Column("detail", Text(), nullable=False, server_default=""),
    # The chain (adapters/storage/audit_log.py): the link this entry was made from, and its
    # own, a keyed hash of that and of the entry.
    Column("previous_link", LargeBinary(32), nullable=False),
    Column("link", LargeBinary(32), nullable=False),
)

# The audit log's newest link, one row: what a new entry links to, and the row whose lock
# keeps two writers from linking to the same entry.
audit_chain = Table(
    "audit_chain",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=False),
    Column("link", LargeBinary(32), nullable=False),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text(), nullable=False),
)
