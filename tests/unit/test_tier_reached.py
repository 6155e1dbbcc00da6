"""Which tier a step of an alert's escalation told (`Alert.audience_of`), and which it
reached by the staff actually told (`tier_told`): the queue reads from them whether a case
has gone up to the lead or the duty desk."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from anbu.domain.alerts import Alert
from anbu.domain.escalation import Audience, EscalationPolicy, TierReached, tier_told
from anbu.domain.kinds import AlertKind, Carrier, Role
from anbu.domain.notifications import Phase, StepRef

KST = timezone(timedelta(hours=9))
NOW = datetime(2026, 11, 4, 10, 0, tzinfo=KST)


def _alert(policy: EscalationPolicy | None = None) -> Alert:
    return Alert.for_person(
        subject_id=1,
        centre_id=1,
        carrier=Carrier.SKT,
        kind=AlertKind.NO_ACTIVITY,
        base_at=NOW - timedelta(days=2),
        due_at=NOW,
        now=NOW,
        policy=policy or EscalationPolicy(),
    )


@pytest.mark.parametrize(
    ("step", "office_hours", "tier"),
    [
        (StepRef(Phase.UNACKNOWLEDGED, 0), True, Audience.CENTRE),
        (StepRef(Phase.UNACKNOWLEDGED, 1), True, Audience.LEADS),
        (StepRef(Phase.UNACKNOWLEDGED, 2), True, Audience.DUTY),
        (StepRef(Phase.UNACKNOWLEDGED, 4), True, Audience.DUTY),  # a reminder to the last tier
        # At night the centre's messages went to the duty desk; the lead's did not.
        (StepRef(Phase.UNACKNOWLEDGED, 0), False, Audience.DUTY),
        (StepRef(Phase.UNACKNOWLEDGED, 1), False, Audience.LEADS),
        (StepRef(Phase.ACKNOWLEDGED, 0), True, Audience.ACKNOWLEDGER),
        (StepRef(Phase.ACKNOWLEDGED, 1), True, Audience.LEADS),
        (StepRef(Phase.VISIT, 1), True, Audience.LEADS),
    ],
)
def test_a_step_tells_the_tier_of_its_plan_as_routed(
    step: StepRef, office_hours: bool, tier: Audience
) -> None:
    assert _alert().audience_of(step, office_hours=office_hours) is tier


def test_a_self_check_step_is_for_the_person() -> None:
    alert = _alert(EscalationPolicy(self_check=True))
    assert alert.audience_of(StepRef(Phase.UNACKNOWLEDGED, 0), office_hours=True) is (
        Audience.SUBJECT
    )
    assert alert.audience_of(StepRef(Phase.UNACKNOWLEDGED, 2), office_hours=True) is (
        Audience.CENTRE
    )


def test_the_follow_up_and_a_step_beyond_the_plan_tell_no_tier() -> None:
    alert = _alert()
    assert alert.audience_of(StepRef.follow_up(), office_hours=True) is None
    assert alert.audience_of(StepRef(Phase.UNACKNOWLEDGED, 99), office_hours=True) is None


@pytest.mark.parametrize(
    ("audience", "told", "tier"),
    [
        (Audience.CENTRE, {Role.OFFICER}, TierReached.CENTRE),
        (Audience.LEADS, {Role.LEAD}, TierReached.LEADS),
        (Audience.DUTY, {Role.DUTY}, TierReached.DUTY),
        # The centre has no lead: the lead's message went to the duty desk.
        (Audience.LEADS, {Role.DUTY}, TierReached.DUTY),
        # No officers: the centre's message went to its lead.
        (Audience.CENTRE, {Role.LEAD}, TierReached.LEADS),
        # No duty desk: the centre's officers and lead, the highest told.
        (Audience.DUTY, {Role.OFFICER, Role.LEAD}, TierReached.LEADS),
        # Nobody at all but the district's administrators.
        (Audience.LEADS, {Role.ADMIN}, TierReached.ADMINS),
    ],
)
def test_the_tier_reached_is_that_of_the_staff_actually_told(
    audience: Audience, told: set[Role], tier: TierReached
) -> None:
    assert tier_told(audience, told) is tier


def test_a_step_that_told_no_staff_or_no_tier_reaches_none() -> None:
    assert tier_told(Audience.LEADS, set()) is None
    assert tier_told(Audience.ACKNOWLEDGER, {Role.OFFICER}) is None
