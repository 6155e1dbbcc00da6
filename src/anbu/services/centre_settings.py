"""A centre's settings as its lead or an administrator keeps them: the default periods by
group, how its people are watched by default (fixed or personal detection), the escalation
policy, and who works there.

Who may: an administrator for every centre, a lead for their own; a centre out of reach is
"not found", so that its existence does not leak. Every change is audited.

A centre's own periods replace the district's for its people whose period is not their own:
saving them moves those people's periods at once, and their indexed due instant with them,
so that the sweep asks the new question from the next watermark on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from anbu.adapters.storage.centres import CentreCount
from anbu.adapters.storage.staff import StaffRow
from anbu.domain.escalation import EscalationPolicy, PolicyError
from anbu.domain.kinds import Detection, Group, Role
from anbu.domain.rejections import FieldError
from anbu.domain.subjects import (
    MAX_INACTIVITY,
    MAX_PHONE_OFF,
    MIN_INACTIVITY,
    MIN_PHONE_OFF,
    Enrolment,
    GroupPeriods,
    choose_period,
)
from anbu.domain.wording import Message
from anbu.services import centres as policies
from anbu.services import officers
from anbu.services.accounts import StaffUser
from anbu.services.context import Context
from anbu.services.escalation import policy_for

MINUTE = timedelta(minutes=1)
KINDS = ("inactivity", "phone_off")
_BOUNDS = {
    "inactivity": (MIN_INACTIVITY, MAX_INACTIVITY),
    "phone_off": (MIN_PHONE_OFF, MAX_PHONE_OFF),
}
_MAX_HOURS = Decimal(1_000_000)


class CentreNotFoundError(LookupError):
    """No such centre, or not one this user may keep."""


class PeriodsError(FieldError):
    """A period that cannot be a default; `field` is `<kind>.<group>` (`inactivity.age_75_plus`)."""


@dataclass(frozen=True, slots=True)
class CentreSettings:
    id: int
    name: str
    policy: EscalationPolicy
    policy_set: bool  # False: the default policy applies
    periods: GroupPeriods  # what applies: the centre's own, or the district's
    periods_set: bool  # False: the district's periods apply
    district_periods: GroupPeriods
    staff: list[StaffRow]  # the centre's staff, by login
    detection: Detection = Detection.FIXED  # how people without their own choice are watched
    # The staff's names on record, by login (a login missing: none but the login).
    staff_names: dict[str, str] = field(default_factory=dict)


def centres(app: Context, user: StaffUser) -> list[CentreCount]:
    """The centres this user keeps: all for an administrator, their own for a lead."""
    if user.role is Role.ADMIN:
        wanted: frozenset[int] | None = None
    elif user.role is Role.LEAD:
        wanted = user.centre_ids
    else:
        return []
    with app.transaction() as store:
        return store.centres.counted(wanted)


def settings_of(app: Context, user: StaffUser, centre_id: int) -> CentreSettings:
    """Raises CentreNotFoundError for a centre out of this user's reach."""
    _check_reach(user, centre_id)
    with app.transaction() as store:
        row = store.centres.get(centre_id)
        if row is None:
            raise CentreNotFoundError(centre_id)
        staff = [s for s in store.staff.listing() if row.name in s.centres]
        names = officers.names_in(app, store, [s.login for s in staff])
        found = store.centres.detection_named(row.name)
    own = row.own_periods
    return CentreSettings(
        id=row.id,
        name=row.name,
        policy=policy_for(row.escalation_policy),
        policy_set=row.escalation_policy is not None,
        periods=own or app.periods,
        periods_set=own is not None,
        district_periods=app.periods,
        staff=staff,
        detection=found[1] if found is not None else Detection.FIXED,
        staff_names=names,
    )


def set_policy(
    app: Context, user: StaffUser, centre_id: int, document: Mapping[str, Any], *, now: datetime
) -> EscalationPolicy:
    """Replace the centre's escalation policy with `document` (the policy's JSON form),
    through `anbu.services.centres.set_policy`, which audits the change. A field the
    document leaves out keeps its current value (a form that does not know a newer field
    must not reset it). Raises PolicyError naming the field (`tiers[0].wait`), or
    CentreNotFoundError."""
    _check_reach(user, centre_id)
    with app.transaction() as store:
        row = store.centres.get(centre_id)
    if row is None:
        raise CentreNotFoundError(centre_id)
    merged = {**policy_for(row.escalation_policy).to_json(), **document}
    try:
        return policies.set_policy(
            app, row.name, json.dumps(merged, ensure_ascii=False), by=user.login, now=now
        )
    except policies.CentreError as exc:
        if isinstance(exc.__cause__, PolicyError):
            raise PolicyError(exc.__cause__.field, exc.__cause__.reason) from exc
        raise


def set_detection(
    app: Context, user: StaffUser, centre_id: int, chosen: Detection, *, now: datetime
) -> int:
    """Make `chosen` the centre's default detection, through
    `anbu.services.centres.set_detection` (which audits it); how many people moved."""
    name = _reachable_name(app, user, centre_id)
    return policies.set_detection(app, name, chosen, by=user.login, now=now)


def reset_policy(app: Context, user: StaffUser, centre_id: int, *, now: datetime) -> None:
    """Back to the default policy (audited by `anbu.services.centres.set_policy`)."""
    policies.set_policy(app, _reachable_name(app, user, centre_id), None, by=user.login, now=now)


def periods_from_hours(hours: Mapping[str, str]) -> GroupPeriods:
    """Periods from hours as typed (`"72"`, `"1.5"`) under `<kind>.<group>` keys, each
    within the bounds a person's own period has. Raises PeriodsError naming the field."""
    found: dict[str, dict[Group, timedelta]] = {kind: {} for kind in KINDS}
    for kind in KINDS:
        for group in Group:
            field = f"{kind}.{group.value}"
            given = _hours(field, hours.get(field, ""))
            try:
                # The bounds and wording of a person's own period, so that no default can
                # be one a person could not be given.
                period, _ = choose_period(field, given, given, _BOUNDS[kind])
            except FieldError as exc:
                raise PeriodsError(exc.field, exc.reason) from exc
            found[kind][group] = period
    return GroupPeriods(inactivity=found["inactivity"], phone_off=found["phone_off"])


def set_periods(
    app: Context, user: StaffUser, centre_id: int, periods: GroupPeriods | None, *, now: datetime
) -> int:
    """Give the centre its own periods by group (None: the district's again), and move the
    periods of its people who have no period of their own, with their next due instant.
    Returns how many people's periods changed. Raises CentreNotFoundError.

    A case already open keeps its due time; a period made shorter may make someone due at
    once, and the next sweep opens their alert."""
    _check_reach(user, centre_id)
    with app.transaction() as store:
        # Locked first: two saves of one centre's periods take turns.
        row = store.centres.get(centre_id, lock=True)
        if row is None:
            raise CentreNotFoundError(centre_id)
        store.centres.set_group_periods(centre_id, periods)
        applied = periods or app.periods
        ids = store.centres.followers(centre_id)
        # Locked in id order, as every writer of detection state does (no deadlock).
        watches = store.subjects.watches(ids, lock=True)
        changed: dict[int, tuple[int, int]] = {}
        for person in store.centres.periods_of(list(watches)):
            inactivity = _minutes(
                person.inactivity_minutes,
                person.inactivity_custom,
                applied.inactivity[person.group],
            )
            phone_off = _minutes(
                person.phone_off_minutes, person.phone_off_custom, applied.phone_off[person.group]
            )
            if (inactivity, phone_off) != (person.inactivity_minutes, person.phone_off_minutes):
                changed[person.id] = (inactivity, phone_off)
        store.centres.set_subject_periods(changed, now)
        store.subjects.save_watches(
            {
                sid: replace(
                    watches[sid],
                    inactivity=timedelta(minutes=inactivity),
                    phone_off_limit=timedelta(minutes=phone_off),
                )
                for sid, (inactivity, phone_off) in changed.items()
            },
            now,
        )
        store.audit.record(
            user.login,
            "centre.periods_changed",
            now,
            detail=f"{row.name}: {_describe(periods)}; {len(changed)} people moved",
        )
    return len(changed)


def with_centre_periods(enrolment: Enrolment, periods: GroupPeriods) -> Enrolment:
    """The enrolment with its default periods (those not given for the person) taken from
    `periods`, the table of the person's centre."""
    return replace(
        enrolment,
        inactivity=(
            enrolment.inactivity
            if enrolment.inactivity_custom
            else periods.inactivity[enrolment.group]
        ),
        phone_off=(
            enrolment.phone_off
            if enrolment.phone_off_custom
            else periods.phone_off[enrolment.group]
        ),
    )


def _check_reach(user: StaffUser, centre_id: int) -> None:
    if user.role is Role.ADMIN:
        return
    if user.role is Role.LEAD and centre_id in user.centre_ids:
        return
    raise CentreNotFoundError(centre_id)


def _reachable_name(app: Context, user: StaffUser, centre_id: int) -> str:
    _check_reach(user, centre_id)
    with app.transaction() as store:
        row = store.centres.get(centre_id)
    if row is None:
        raise CentreNotFoundError(centre_id)
    return row.name


def _minutes(current: int, custom: bool, default: timedelta) -> int:
    return current if custom else default // MINUTE


def _hours(field: str, text: str) -> timedelta:
    value = text.strip()
    if not value:
        raise PeriodsError(field, Message("reason.required"))
    try:
        hours = Decimal(value)
    except InvalidOperation as exc:
        raise PeriodsError(field, Message("reason.not_hours", value=value)) from exc
    if not hours.is_finite() or hours.copy_abs() > _MAX_HOURS:
        raise PeriodsError(field, Message("reason.not_hours", value=value))
    return timedelta(minutes=int(hours * 60))


def _describe(periods: GroupPeriods | None) -> str:
    if periods is None:
        return "district periods"
    return ", ".join(
        f"{g.value} {periods.inactivity[g] / timedelta(hours=1):g}h"
        f"/{periods.phone_off[g] / timedelta(hours=1):g}h"
        for g in Group
    )
