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
    # A delivery channel (the SMS gateway, the mail server) has failed for a while.
    GATEWAY_DOWN = "gateway_down"


class AlertState(StrEnum):
    OPEN = "open"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    # Nobody could reach the person: the case stays open until someone has been to the door.
    VISIT_NEEDED = "visit_needed"
    RESOLVED = "resolved"


class Outcome(StrEnum):
    SAFE = "safe"
    HOSPITALISED = "hospitalised"
    DECEASED = "deceased"
    # The door was opened with the police or fire services (경찰·소방 협조 개문).
    DOOR_OPENED = "door_opened"
    FALSE_ALARM = "false_alarm"
    # Never stored since schema 0011: "unreachable, a visit is needed" is not an end but the
    # case's next step (AlertState.VISIT_NEEDED). Kept so that a command or an API client
    # that still sends it moves the case to that state.
    UNREACHABLE_VISIT_NEEDED = "unreachable_visit_needed"
    # Closed by the system, not by an officer: the feed caught up again.
    FEED_RECOVERED = "feed_recovered"
    # The person withdrew consent: their case closes with their data.
    CONSENT_WITHDRAWN = "consent_withdrawn"
    # The person answered the self-check text (or showed life) before staff were told.
    CHECKED_IN = "checked_in"
    # The delivery channel works again.
    GATEWAY_RECOVERED = "gateway_recovered"
    # The person showed life after the alert, then fell silent (or switched off) again for a
    # whole period: the new episode's alert replaces this case, so that an acknowledged case
    # nobody closed never holds back the next alert.
    SUPERSEDED = "superseded"


class SubjectStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class StatusFilter(StrEnum):
    """Which people a list shows: those watched, those who withdrew, or everyone."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    ANY = "any"


class Group(StrEnum):
    """Age bands that carry default periods (the district targets 40–59 and 75+ first)."""

    UNDER_40 = "under_40"
    AGE_40_59 = "age_40_59"
    AGE_60_74 = "age_60_74"
    AGE_75_PLUS = "age_75_plus"


class Detection(StrEnum):
    """How a person's silence is judged."""

    FIXED = "fixed"  # the period set for them (or their group's), the same at any hour
    PERSONAL = "personal"  # against their own rhythm, the period as the hard maximum


class Role(StrEnum):
    """What a member of staff may do (issue 4 enforces it on every page and API call)."""

    OFFICER = "officer"  # their own centres' people and alerts
    LEAD = "lead"  # their own centres, plus the centres' settings
    ADMIN = "admin"  # the whole district: enrolment, staff
    OPERATOR = "operator"  # feeds and the system, never personal data
    # The district's duty desk / night-and-holiday control centre: told of every centre's
    # alerts outside office hours and as the last tier.
    DUTY = "duty"


class NotificationState(StrEnum):
    QUEUED = "queued"  # waiting for its (next) attempt
    SENT = "sent"  # accepted by the gateway or mail server
    DELIVERED = "delivered"  # the gateway reported delivery to the handset
    FAILED = "failed"  # permanently refused, or retries exhausted


class AttemptOutcome(StrEnum):
    SENT = "sent"
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    # What a gateway's delivery report said afterwards.
    ACCEPTED = "accepted"  # taken by the SMSC (Kannel status 8)
    DELIVERED = "delivered"  # on the handset (status 1)
    UNDELIVERED = "undelivered"  # the SMSC gave up (status 2 or 16)
    # Found already at the gateway (a report arrived) when about to send again: not resent.
    ALREADY_SENT = "already_sent"
