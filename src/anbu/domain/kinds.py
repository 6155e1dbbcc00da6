"""The product's vocabularies, as enums so that no bare string wanders the code."""

from enum import StrEnum


class Carrier(StrEnum):
    SKT = "SKT"
    KT = "KT"
    LGU = "LGU"


class ActivityKind(StrEnum):
    CALL_OUT = "call_out"
    CALL_IN = "call_in"
    SMS_OUT = "sms_out"
    SMS_IN = "sms_in"
    DATA = "data"
    POWER_ON = "power_on"
    POWER_OFF = "power_off"
    CHECKIN = "checkin"


class AlertKind(StrEnum):
    NO_ACTIVITY = "no_activity"
    PHONE_OFF = "phone_off"
    FEED_STALE = "feed_stale"


class AlertState(StrEnum):
    OPEN = "open"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Outcome(StrEnum):
    SAFE = "safe"
    HOSPITALISED = "hospitalised"
    DECEASED = "deceased"
    UNREACHABLE_VISIT_NEEDED = "unreachable_visit_needed"
    FALSE_ALARM = "false_alarm"
    # Closed by the system, not by an officer: the feed caught up again.
    FEED_RECOVERED = "feed_recovered"
    # The person withdrew consent: their case closes with their data.
    CONSENT_WITHDRAWN = "consent_withdrawn"


class SubjectStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class Group(StrEnum):
    """Age bands that carry default periods (the district targets 40–59 and 75+ first)."""

    UNDER_40 = "under_40"
    AGE_40_59 = "age_40_59"
    AGE_60_74 = "age_60_74"
    AGE_75_PLUS = "age_75_plus"


class Role(StrEnum):
    """What a member of staff may do (issue 4 enforces it on every page and API call)."""

    OFFICER = "officer"  # their own centres' people and alerts
    LEAD = "lead"  # their own centres, plus the centres' settings
    ADMIN = "admin"  # the whole district: enrolment, staff
    OPERATOR = "operator"  # feeds and the system, never personal data


class NotificationState(StrEnum):
    QUEUED = "queued"  # waiting for its (next) attempt
    SENT = "sent"  # accepted by the gateway or mail server
    DELIVERED = "delivered"  # the gateway reported delivery to the handset
    FAILED = "failed"  # permanently refused, or retries exhausted


class AttemptOutcome(StrEnum):
    SENT = "sent"
    TRANSIENT = "transient"
    PERMANENT = "permanent"
