"""Escalation: who is told about an alert, in what order, and when office hours apply.

A centre's policy is a list of tiers (the centre's officers, then its leads, then the district
duty desk), each given a while to acknowledge before the next is told; after the last tier,
reminders. Optionally the person is texted first ("reply 1 if you are fine"), since most
signals are false alarms (SPEC §7), and their guardian is told with the first staff message.
Once someone acknowledges, a recorded contact (a call, a visit) is expected within a set time.

Outside office hours (weekdays 09–18 in Seoul, public holidays excluded) the centre's messages
go to the duty desk instead: alerts sent to an empty office went unseen (SPEC §7).

The policy's JSON form (`to_json`/`from_json`) stores periods as whole minutes under the field's
own name (`"wait": 60`) and office hours as `"HH:MM"`, with `"version": 1`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from anbu.domain.kinds import Role
from anbu.domain.rejections import FieldError
from anbu.domain.wording import Message

SEOUL = ZoneInfo("Asia/Seoul")
POLICY_VERSION = 1

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
MIN_WAIT = MINUTE
MAX_WAIT = timedelta(days=7)
MAX_REMINDERS = 24
MIN_SELF_CHECK_TRIES = 1
MAX_SELF_CHECK_TRIES = 5
MIN_CONTACT_WITHIN = timedelta(minutes=15)
MAX_CONTACT_WITHIN = timedelta(days=3)
# More tiers than a district has levels of staff is a mistake, and it bounds the plan's size.
MAX_TIERS = 10


class Audience(StrEnum):
    CENTRE = "centre"  # the centre's officers (its leads if it has none)
    LEADS = "leads"  # the centre's leads only
    DUTY = "duty"  # the district duty desk / night & holiday control centre
    SUBJECT = "subject"  # the person themself (self-check text)
    GUARDIAN = "guardian"  # the person's guardian, if on file
    ACKNOWLEDGER = "acknowledger"  # whoever acknowledged the alert


# Only staff can be a tier: a tier is expected to acknowledge, and only staff can.
TIER_AUDIENCES = frozenset({Audience.CENTRE, Audience.LEADS, Audience.DUTY})


class StepKind(StrEnum):
    SELF_CHECK = "self_check"  # text the person: "괜찮으시면 1을 회신해 주세요"
    NOTIFY = "notify"  # first message to a tier
    REMIND = "remind"  # the same audience again, nobody has acknowledged
    CONTACT_REMINDER = "contact_reminder"  # acknowledged, but no contact recorded in time
    CONTACT_ESCALATE = "contact_escalate"  # still no contact: tell the next tier


class PolicyError(FieldError):
    """An escalation policy that cannot be accepted; `field` names the culprit by its JSON
    path (`tiers[1].wait`, `office_hours.end`)."""


@dataclass(frozen=True, slots=True)
class Tier:
    audience: Audience
    wait: timedelta  # how long this tier has to acknowledge before the next step


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Weekdays in Asia/Seoul, public holidays excluded, over [start, end).

    Raises PolicyError unless start < end, both naive and on whole minutes (the JSON form
    keeps `HH:MM`, and a policy must survive its own round trip)."""

    start: time = time(9, 0)
    end: time = time(18, 0)

    def __post_init__(self) -> None:
        for name, value in (("start", self.start), ("end", self.end)):
            if value.tzinfo is not None:
                raise PolicyError(f"office_hours.{name}", Message("reason.wall_clock_time"))
            if value.second or value.microsecond:
                raise PolicyError(f"office_hours.{name}", Message("reason.whole_minute"))
        if not self.start < self.end:
            raise PolicyError(
                "office_hours.end",
                Message(
                    "reason.end_before_start", end=f"{self.end:%H:%M}", start=f"{self.start:%H:%M}"
                ),
            )


_DEFAULT_TIERS = (
    Tier(Audience.CENTRE, HOUR),
    Tier(Audience.LEADS, HOUR),
    Tier(Audience.DUTY, HOUR),
)


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """A centre's escalation policy. Raises PolicyError, naming the field, when invalid: no
    invalid policy can be built, by hand or from JSON."""

    tiers: tuple[Tier, ...] = _DEFAULT_TIERS
    reminders: int = 3  # after the last tier, remind it this many times…
    reminder_every: timedelta = HOUR  # …this far apart
    self_check: bool = False  # text the person first
    self_check_tries: int = 2  # SPEC §7: retry after about an hour, two tries
    self_check_wait: timedelta = HOUR
    guardian: bool = False  # tell the guardian along with the first staff tier
    contact_within: timedelta = timedelta(hours=4)  # after an ack, a contact is expected within
    office_hours: OfficeHours = OfficeHours()

    def __post_init__(self) -> None:
        if not self.tiers:
            raise PolicyError("tiers", Message("reason.no_tier"))
        if len(self.tiers) > MAX_TIERS:
            raise PolicyError("tiers", Message("reason.too_many_tiers", most=MAX_TIERS))
        for index, tier in enumerate(self.tiers):
            if tier.audience not in TIER_AUDIENCES:
                raise PolicyError(
                    f"tiers[{index}].audience",
                    Message("reason.not_a_tier", value=str(tier.audience), known=_tier_names()),
                )
            _check_period(f"tiers[{index}].wait", tier.wait, MIN_WAIT, MAX_WAIT)
        _check_count("reminders", self.reminders, 0, MAX_REMINDERS)
        _check_period("reminder_every", self.reminder_every, MIN_WAIT, MAX_WAIT)
        _check_count(
            "self_check_tries", self.self_check_tries, MIN_SELF_CHECK_TRIES, MAX_SELF_CHECK_TRIES
        )
        _check_period("self_check_wait", self.self_check_wait, MIN_WAIT, MAX_WAIT)
        _check_period("contact_within", self.contact_within, MIN_CONTACT_WITHIN, MAX_CONTACT_WITHIN)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types only: periods as whole minutes, office hours as `HH:MM`."""
        return {
            "version": POLICY_VERSION,
            "tiers": [
                {"audience": tier.audience.value, "wait": _to_minutes(tier.wait)}
                for tier in self.tiers
            ],
            "reminders": self.reminders,
            "reminder_every": _to_minutes(self.reminder_every),
            "self_check": self.self_check,
            "self_check_tries": self.self_check_tries,
            "self_check_wait": _to_minutes(self.self_check_wait),
            "guardian": self.guardian,
            "contact_within": _to_minutes(self.contact_within),
            "office_hours": {
                "start": f"{self.office_hours.start:%H:%M}",
                "end": f"{self.office_hours.end:%H:%M}",
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EscalationPolicy:
        """Read the JSON form. Missing fields (a missing `version` included) take the
        defaults; unknown fields are refused, since a misspelt one would otherwise be
        silently replaced by its default. Raises PolicyError naming the field and reason."""
        if not isinstance(data, Mapping):
            raise PolicyError("policy", Message("reason.not_json_object"))
        _refuse_unknown(data, _POLICY_FIELDS, prefix="")
        version = data.get("version", POLICY_VERSION)
        if type(version) is not int or version != POLICY_VERSION:
            raise PolicyError(
                "version",
                Message("reason.policy_version", value=repr(version), known=POLICY_VERSION),
            )
        default = cls()
        return cls(
            tiers=_read_tiers(data["tiers"]) if "tiers" in data else default.tiers,
            reminders=_read_int(data, "reminders", default.reminders),
            reminder_every=_read_minutes(data, "reminder_every", default.reminder_every),
            self_check=_read_bool(data, "self_check", default.self_check),
            self_check_tries=_read_int(data, "self_check_tries", default.self_check_tries),
            self_check_wait=_read_minutes(data, "self_check_wait", default.self_check_wait),
            guardian=_read_bool(data, "guardian", default.guardian),
            contact_within=_read_minutes(data, "contact_within", default.contact_within),
            office_hours=(
                _read_office_hours(data["office_hours"])
                if "office_hours" in data
                else default.office_hours
            ),
        )


@dataclass(frozen=True, slots=True)
class PlannedStep:
    kind: StepKind
    audience: Audience  # before calendar routing
    wait: timedelta  # until the following step is due (from when this one fires)
    last: bool  # nothing follows


@cache
def unacknowledged_plan(policy: EscalationPolicy) -> tuple[PlannedStep, ...]:
    """The steps while nobody has acknowledged: the self-check texts (if any), one NOTIFY per
    tier, then the reminders to the last tier. Never empty; only the last step is `last`.

    The last step's `wait` is how long it is given before the plan counts as exhausted, so
    the plan spans the sum of its waits."""
    steps: list[tuple[StepKind, Audience, timedelta]] = []
    if policy.self_check:
        steps += [(StepKind.SELF_CHECK, Audience.SUBJECT, policy.self_check_wait)] * (
            policy.self_check_tries
        )
    steps += [(StepKind.NOTIFY, tier.audience, tier.wait) for tier in policy.tiers]
    steps += [(StepKind.REMIND, policy.tiers[-1].audience, policy.reminder_every)] * (
        policy.reminders
    )
    return _planned(steps)


@cache
def acknowledged_plan(policy: EscalationPolicy) -> tuple[PlannedStep, ...]:
    """The steps after an acknowledgement with no contact recorded: remind whoever
    acknowledged, then tell the tier above the first (LEADS by default; the first tier
    itself when it is the only one). The first step is due at acknowledged_at +
    contact_within (the service schedules it); each step then waits `contact_within`."""
    above = policy.tiers[1] if len(policy.tiers) > 1 else policy.tiers[0]
    return _planned(
        [
            (StepKind.CONTACT_REMINDER, Audience.ACKNOWLEDGER, policy.contact_within),
            (StepKind.CONTACT_ESCALATE, above.audience, policy.contact_within),
        ]
    )


@cache
def visit_plan(policy: EscalationPolicy) -> tuple[PlannedStep, ...]:
    """The steps of a case whose person could not be reached and needs a visit, while nobody
    has taken the visit: the tiers and reminders of the unacknowledged plan, without the
    self-check (the person has already not answered). Taking the visit stops it."""
    steps = [(StepKind.NOTIFY, tier.audience, tier.wait) for tier in policy.tiers]
    steps += [(StepKind.REMIND, policy.tiers[-1].audience, policy.reminder_every)] * (
        policy.reminders
    )
    return _planned(steps)


def first_staff_step_index(plan: Sequence[PlannedStep]) -> int | None:
    """The index of the plan's first NOTIFY step (the one the guardian is told along with),
    or None when the plan has none (an acknowledged plan)."""
    return next((i for i, step in enumerate(plan) if step.kind is StepKind.NOTIFY), None)


def to_seoul(instant: datetime) -> datetime:
    """`instant` as Seoul wall-clock time. Raises ValueError for a naive datetime, whose
    meaning would depend on the machine's zone."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant.isoformat()} has no time zone")
    return instant.astimezone(SEOUL)


def is_office_hours(instant: datetime, hours: OfficeHours, holidays: Collection[date]) -> bool:
    """Whether a centre is staffed at `instant`: Monday to Friday in Seoul, not a public
    holiday, start <= local time < end. Raises ValueError for a naive datetime."""
    local = to_seoul(instant)
    if local.weekday() >= 5 or local.date() in holidays:
        return False
    return hours.start <= local.time() < hours.end


def next_opening(instant: datetime, hours: OfficeHours, holidays: Collection[date]) -> datetime:
    """The first instant at or after `instant` within office hours: `instant` itself when the
    office is open, else the start of the next working day's hours (in UTC, as every instant
    the domain returns). Raises ValueError for a naive datetime."""
    local = to_seoul(instant)
    if is_office_hours(instant, hours, holidays):
        return instant
    day = local.date()
    if local.time() >= hours.start:
        day += timedelta(days=1)
    # Korea's longest run of days off (설날 or 추석 next to a weekend and a substitute day)
    # is well under a month.
    for _ in range(31):
        if day.weekday() < 5 and day not in holidays:
            return datetime.combine(day, hours.start, SEOUL).astimezone(instant.tzinfo)
        day += timedelta(days=1)
    raise ValueError(f"no working day within a month of {instant.isoformat()}")


class OfficeCalendar(Protocol):
    """Office hours against public holidays: the adapter knows the holidays, the domain the
    rule (`is_office_hours`, `next_opening`)."""

    def is_office_hours(self, instant: datetime, hours: OfficeHours) -> bool: ...

    def next_opening(self, instant: datetime, hours: OfficeHours) -> datetime: ...


def route(audience: Audience, *, office_hours: bool) -> Audience:
    """Outside office hours the centre's officers are not at their desks: their messages go
    to the duty desk, so an alert never waits for Monday morning. The leads are not
    rerouted: when the duty desk has not answered within its hour, the person responsible
    for the centre is woken — sending the duty desk the same alert again would tell nobody
    new."""
    if not office_hours and audience is Audience.CENTRE:
        return Audience.DUTY
    return audience


def step_audiences(
    step: PlannedStep, policy: EscalationPolicy, *, office_hours: bool, first_staff_step: bool
) -> tuple[Audience, ...]:
    """Who a step goes to: its routed audience, plus the guardian (when the policy says so)
    on the first NOTIFY step only — the family hears once, not with every reminder."""
    audiences = [route(step.audience, office_hours=office_hours)]
    wants_guardian = policy.guardian and first_staff_step and step.kind is StepKind.NOTIFY
    if wants_guardian and Audience.GUARDIAN not in audiences:
        audiences.append(Audience.GUARDIAN)
    return tuple(audiences)


class TierReached(StrEnum):
    """How far a case has gone up, by who was actually told (the queue shows it): a tier's
    message goes to other staff when its own audience has nobody, so the tier planned and
    the tier reached can differ."""

    SUBJECT = "subject"  # only the person has been texted (self-check)
    CENTRE = "centre"  # the centre's officers
    LEADS = "leads"  # the centre's lead
    DUTY = "duty"  # the duty desk
    ADMINS = "admins"  # the district's administrators: nobody else could be told


# Whom each staff audience is made of; the roles from the highest tier down.
_AUDIENCE_ROLE = {
    Audience.CENTRE: Role.OFFICER,
    Audience.LEADS: Role.LEAD,
    Audience.DUTY: Role.DUTY,
}
_ROLE_TIER = {
    Role.DUTY: TierReached.DUTY,
    Role.LEAD: TierReached.LEADS,
    Role.OFFICER: TierReached.CENTRE,
    Role.ADMIN: TierReached.ADMINS,
}


def tier_told(audience: Audience, told: Collection[Role]) -> TierReached | None:
    """The tier a step for a staff `audience` (as routed) reached, given the roles of the
    staff it told: that audience's when any of its role were told; when it fell back to
    others (nobody of that role: `services.escalation._staff_for`), the highest tier among
    those told. None for an audience that is no tier (whoever acknowledged, the person, the
    guardian) or a step that told no member of staff."""
    role = _AUDIENCE_ROLE.get(audience)
    if role is None:
        return None
    if role in told:
        return _ROLE_TIER[role]
    return next((tier for rank, tier in _ROLE_TIER.items() if rank in told), None)


# --- helpers ------------------------------------------------------------------------------

_POLICY_FIELDS = frozenset(
    {
        "version",
        "tiers",
        "reminders",
        "reminder_every",
        "self_check",
        "self_check_tries",
        "self_check_wait",
        "guardian",
        "contact_within",
        "office_hours",
    }
)
_PERIOD_BOUNDS = {
    "wait": (MIN_WAIT, MAX_WAIT),
    "reminder_every": (MIN_WAIT, MAX_WAIT),
    "self_check_wait": (MIN_WAIT, MAX_WAIT),
    "contact_within": (MIN_CONTACT_WITHIN, MAX_CONTACT_WITHIN),
}
_TIER_FIELDS = frozenset({"audience", "wait"})
_OFFICE_HOURS_FIELDS = frozenset({"start", "end"})
_HH_MM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def _planned(steps: Sequence[tuple[StepKind, Audience, timedelta]]) -> tuple[PlannedStep, ...]:
    last = len(steps) - 1
    return tuple(
        PlannedStep(kind, audience, wait, last=index == last)
        for index, (kind, audience, wait) in enumerate(steps)
    )


def _tier_names() -> str:
    return ", ".join(a.value for a in Audience if a in TIER_AUDIENCES)


def _check_period(field: str, value: timedelta, low: timedelta, high: timedelta) -> None:
    if not low <= value <= high:
        raise _out_of_bounds(field, value / MINUTE, low, high)
    if value % MINUTE:
        raise PolicyError(field, Message("reason.not_minutes"))


def _out_of_bounds(field: str, minutes: float, low: timedelta, high: timedelta) -> PolicyError:
    return PolicyError(
        field,
        Message(
            "reason.outside",
            value=_describe(minutes),
            low=_describe(low / MINUTE),
            high=_describe(high / MINUTE),
        ),
    )


def _check_count(field: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise PolicyError(field, Message("reason.outside", value=value, low=low, high=high))


def _describe(minutes: float) -> Message:
    day = 60 * 24
    if minutes >= day and minutes % day == 0:
        return Message("span.days", n=f"{minutes / day:g}")
    if minutes >= 60 and minutes % 60 == 0:
        return Message("span.hours", n=f"{minutes / 60:g}")
    return Message("span.minutes", n=f"{minutes:g}")


def _to_minutes(period: timedelta) -> int:
    return period // MINUTE


def _refuse_unknown(data: Mapping[str, Any], known: frozenset[str], prefix: str) -> None:
    for key in data:
        if key not in known:
            raise PolicyError(f"{prefix}{key}", Message("reason.unknown_field"))


def _whole_number(field: str, value: Any) -> int:
    # bool is an int in Python, but `true` for a count is a mistake in the JSON.
    if type(value) is not int:
        raise PolicyError(field, Message("reason.not_whole_number", value=repr(value)))
    return value


def _read_int(data: Mapping[str, Any], key: str, default: int) -> int:
    return _whole_number(key, data[key]) if key in data else default


def _read_minutes(data: Mapping[str, Any], key: str, default: timedelta) -> timedelta:
    if key not in data:
        return default
    return _minutes(key, data[key], *_PERIOD_BOUNDS[key])


def _minutes(field: str, value: Any, low: timedelta, high: timedelta) -> timedelta:
    minutes = _whole_number(field, value)
    # Checked before timedelta() is built: a huge number would overflow it.
    if not low / MINUTE <= minutes <= high / MINUTE:
        raise _out_of_bounds(field, minutes, low, high)
    return timedelta(minutes=minutes)


def _read_bool(data: Mapping[str, Any], key: str, default: bool) -> bool:
    if key not in data:
        return default
    value = data[key]
    if not isinstance(value, bool):
        raise PolicyError(key, Message("reason.not_bool", value=repr(value)))
    return value


def _read_tiers(value: Any) -> tuple[Tier, ...]:
    if not isinstance(value, list):
        raise PolicyError("tiers", Message("reason.not_tier_list"))
    if len(value) > MAX_TIERS:
        raise PolicyError("tiers", Message("reason.too_many_tiers", most=MAX_TIERS))
    tiers = []
    for index, entry in enumerate(value):
        where = f"tiers[{index}]"
        if not isinstance(entry, Mapping):
            raise PolicyError(where, Message("reason.not_tier_object"))
        _refuse_unknown(entry, _TIER_FIELDS, prefix=f"{where}.")
        for key in ("audience", "wait"):
            if key not in entry:
                raise PolicyError(f"{where}.{key}", Message("reason.missing"))
        audience = _read_audience(f"{where}.audience", entry["audience"])
        tiers.append(
            Tier(
                audience,
                _minutes(f"{where}.wait", entry["wait"], *_PERIOD_BOUNDS["wait"]),
            )
        )
    return tuple(tiers)


def _read_audience(field: str, value: Any) -> Audience:
    # isinstance first: a list or an object is unhashable and cannot be looked up.
    known = {a.value for a in Audience}
    if not isinstance(value, str) or value not in known:
        raise PolicyError(
            field, Message("reason.not_an_audience", value=repr(value), known=_tier_names())
        )
    audience = Audience(value)
    if audience not in TIER_AUDIENCES:
        raise PolicyError(field, Message("reason.not_a_tier", value=value, known=_tier_names()))
    return audience


def _read_office_hours(value: Any) -> OfficeHours:
    if not isinstance(value, Mapping):
        raise PolicyError("office_hours", Message("reason.not_office_hours"))
    _refuse_unknown(value, _OFFICE_HOURS_FIELDS, prefix="office_hours.")
    default = OfficeHours()
    start = _read_time(value, "start", default.start)
    end = _read_time(value, "end", default.end)
    return OfficeHours(start, end)


def _read_time(data: Mapping[str, Any], key: str, default: time) -> time:
    if key not in data:
        return default
    value = data[key]
    match = _HH_MM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PolicyError(f"office_hours.{key}", Message("reason.not_hh_mm", value=repr(value)))
    return time(int(match[1]), int(match[2]))
