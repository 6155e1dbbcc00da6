"""The JSON API's documents: what it answers (and the OpenAPI document describes) and what
it accepts. Instants carry their offset and are given in Asia/Seoul; durations are seconds.

A list never carries a person's name, only the masked one (김*수); the full name and the
contact details come only with one person or one case, and that view is audited."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from anbu.adapters import catalogue
from anbu.adapters.formats.activity_feed import MAX_DURATION_S, WATERMARK
from anbu.domain.alerts import ContactKind, ContactResult
from anbu.domain.kinds import (
    ActivityKind,
    AlertKind,
    AlertState,
    Carrier,
    Group,
    NotificationState,
    Outcome,
    SubjectStatus,
)
from anbu.domain.rhythm import Level
from anbu.domain.subjects import (
    MAX_CONTACT_NAME,
    MAX_CONTACTS,
    MAX_VISIT_NOTES,
    Relation,
    VisitInfo,
)
from anbu.domain.text import TextError, storable
from anbu.entrypoints.clock import SEOUL
from anbu.entrypoints.web.openapi import NON_BLANK_LINE, NON_BLANK_TEXT
from anbu.services.people import MAX_PAUSE_NOTE, PauseReason, national_form


def _in_seoul(instant: datetime) -> datetime:
    return instant.astimezone(SEOUL)


Instant = Annotated[AwareDatetime, AfterValidator(_in_seoul)]


class Answer(BaseModel):
    """Every answer: what is documented is what is sent, nothing more."""

    model_config = ConfigDict(extra="forbid")


class Incoming(BaseModel):
    """Every body the API reads: no field it does not document, and no text that no field
    can hold (`anbu.domain.text`: a NUL, a control character, a lone surrogate), refused by
    its field's name before anything is stored; text is kept in NFC."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return storable(value)
        except TextError as exc:
            # A validator knows no request: the words are Korean, the first language.
            raise PydanticCustomError("unstorable_text", catalogue.say(exc.reason)) from None


_CODE = Field(
    description="What went wrong, for a program: a stable snake_case code (docs/web.md lists "
    "them), e.g. `not_found`, `token_required`, `already_acknowledged`."
)
_MESSAGE = Field(
    description="What went wrong, for a person: in Korean, or in English when the request's "
    "`Accept-Language` prefers it."
)


class Message(Answer):
    """An error that needs only words: 400, 401, 403, 404, 409, 413, 415."""

    detail: str = Field(description="In English, as it always was.")
    code: str = _CODE
    message: str = _MESSAGE


class Rejected(Answer):
    """A line, an item or a field refused, and why."""

    line: int | None = Field(
        description="For a pushed batch, the line of the JSON Lines or CSV body (1 for the "
        "first) or the item's position in a JSON array (1 for the first); null for a field "
        "of a JSON document."
    )
    field: str | None = Field(description="The field refused; null when the whole is.")
    reason: str


class Refused(Answer):
    """422: what was refused, by field. A person breaking the enrolment rules gets the same
    words and field names as a row of the subjects CSV."""

    detail: list[Rejected]
    code: str = _CODE
    message: str = Field(
        description="What was refused, for a person (Korean, or English when asked), naming "
        "the fields refused."
    )


# -- alerts -------------------------------------------------------------------------


class OfficerOutcome(StrEnum):
    """The outcomes an officer records (`anbu.domain.alerts.OFFICER_OUTCOMES`); the others
    are recorded by anbu itself. `door_opened` (with the police or fire services) needs a
    visit on record; a case waiting for a visit takes a visit's result (not
    `false_alarm`). `unreachable_visit_needed` closes nothing: the case waits for a visit."""

    SAFE = Outcome.SAFE.value
    HOSPITALISED = Outcome.HOSPITALISED.value
    DECEASED = Outcome.DECEASED.value
    DOOR_OPENED = Outcome.DOOR_OPENED.value
    FALSE_ALARM = Outcome.FALSE_ALARM.value
    UNREACHABLE_VISIT_NEEDED = Outcome.UNREACHABLE_VISIT_NEEDED.value


class AlertFilter(StrEnum):
    OPEN = "open"  # not yet resolved
    ALL = "all"


class SubjectRef(Answer):
    reference: str = Field(description="The district's reference (external_id).")
    masked_name: str = Field(description="First and last syllable only: 김*수.")
    centre: str


class AlertSummary(Answer):
    id: int
    kind: AlertKind
    state: AlertState
    subject: SubjectRef | None = Field(
        description="The person; null for an alert about a feed or a delivery channel."
    )
    carrier: str | None
    channel: str | None
    base_at: Instant = Field(
        description="When the silence began: the last sign of life, or the phone going off."
    )
    due_at: Instant
    opened_at: Instant
    resumed_at: Instant | None
    visit_needed_at: Instant | None = Field(
        description="Since when the case has waited for a visit (nobody could reach the "
        "person); null if it never needed one."
    )
    acknowledged_at: Instant | None
    acknowledged_by: str | None
    claimed_by: str | None
    resolved_at: Instant | None
    resolved_by: str | None
    outcome: Outcome | None
    level: Level = Field(
        description="attention: only the self-check text to the person (not in the "
        "officers' queue); caution: staff told in office hours; serious: the full escalation."
    )
    reason: str = Field(description="Why it was raised, in plain Korean.")


class LevelReached(Answer):
    level: Level
    at: Instant = Field(description="When this level fell due (not the sweep that saw it).")


class AlertPage(Answer):
    items: list[AlertSummary]
    next_before: int | None = Field(
        description="Pass as `before` for the next page; null on the last."
    )


class EmergencyContactOut(Answer):
    name: str
    relation: Relation
    phone: str = Field(description="As dialled in Korea: 010-1234-5678, 02-123-4567.")
    phone_e164: str


def emergency_contacts(visit: VisitInfo) -> list[EmergencyContactOut]:
    """A person's emergency contacts as the API gives them, wherever it names the person (a
    person's record, a case)."""
    return [
        EmergencyContactOut(
            name=c.name, relation=c.relation, phone=national_form(c.phone), phone_e164=c.phone
        )
        for c in visit.contacts
    ]


class Contact(Answer):
    """The person of a case, as the officer who must phone or visit needs them."""

    reference: str
    masked_name: str
    name: str
    phone: str = Field(description="As dialled in Korea: 010-1234-5678.")
    phone_e164: str
    address: str
    birth_year: int | None
    age: int | None
    guardian_phone: str | None
    centre: str
    carrier: str
    withdrawn: bool = Field(description="Consent withdrawn: the personal fields are empty.")
    # What to take to the door, as `GET /subjects/{ref}` gives it (issue 14).
    emergency_contacts: list[EmergencyContactOut] = Field(
        default_factory=list, description="Up to three, in the order kept."
    )
    visit_notes: str = ""


class TimelineEntry(Answer):
    """One line of the case's timeline; which fields are set depends on `step`."""

    at: Instant
    step: str
    by: str | None = None
    activity: ActivityKind | None = None
    count: int | None = None
    until: Instant | None = None
    life: bool | None = None
    recipient: str | None = None
    medium: str | None = None
    escalation_step: str | None = None
    delivery: NotificationState | None = None
    result: str | None = None
    note: str | None = None
    outcome: Outcome | None = None
    level: Level | None = Field(default=None, description="The level reached (step `level`).")


class AlertDetail(AlertSummary):
    silent_seconds: int = Field(description="Since `base_at`, up to the close or now.")
    period_seconds: int | None = Field(description="The person's period for this kind.")
    since_consent: bool = Field(description="No sign of life at all since consent.")
    claimed_at: Instant | None
    visited_at: Instant | None = Field(description="When the latest visit was recorded.")
    levels: list[LevelReached]
    resolution_note: str | None
    person: Contact | None
    timeline: list[TimelineEntry]
    staff_names: dict[str, str] = Field(
        default_factory=dict,
        description="The names on record of the staff this case names by login (who "
        "acknowledged, took, closed or was told), login → name; a login with no name on "
        "record is left out.",
    )


class Resolution(Incoming):
    outcome: OfficerOutcome
    note: str = Field(
        default="",
        max_length=2000,
        description="Kept sealed on the case, as a note (it may say how the person was found).",
    )


class VisitNeeded(Incoming):
    note: str = Field(
        default="",
        max_length=2000,
        description="What was tried; kept sealed on the case, as a note.",
    )


class CaseChanged(Answer):
    id: int
    state: AlertState
    outcome: Outcome | None = None


# A call or a visit needs its result; a note has none, and needs its words.
_CONTACT_KINDS: JsonDict = {
    "oneOf": [
        {
            "properties": {
                "kind": {"enum": [ContactKind.CALL.value, ContactKind.VISIT.value]},
                "result": {"not": {"type": "null"}},
            },
            "required": ["kind", "result"],
        },
        {
            "properties": {
                "kind": {"const": ContactKind.NOTE.value},
                "result": {"type": "null"},
                "note": {"pattern": NON_BLANK_TEXT},
            },
            "required": ["kind", "note"],
        },
    ]
}


class ContactIn(Incoming):
    """A call, a visit or a note on a case (`anbu.services.cases.record_contact`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_CONTACT_KINDS)

    kind: ContactKind
    result: ContactResult | None = Field(
        default=None,
        validate_default=True,
        description="Required for a call or a visit; absent (or null) for a note.",
    )
    note: str = Field(
        default="",
        max_length=2000,
        validate_default=True,
        description="Kept sealed on the case (it may say how the person was found); "
        "required for a note.",
    )

    @field_validator("result")
    @classmethod
    def _result_fits_kind(
        cls, result: ContactResult | None, info: ValidationInfo
    ) -> ContactResult | None:
        kind = info.data.get("kind")
        if kind in (ContactKind.CALL, ContactKind.VISIT) and result is None:
            raise PydanticCustomError("result_missing", "a call or a visit needs its result")
        if kind is ContactKind.NOTE and result is not None:
            raise PydanticCustomError("result_unexpected", "a note has no result")
        return result

    @field_validator("note")
    @classmethod
    def _note_has_words(cls, note: str, info: ValidationInfo) -> str:
        if info.data.get("kind") is ContactKind.NOTE and not note.strip():
            raise PydanticCustomError("note_missing", "a note needs its text")
        return note


class ContactRecorded(Answer):
    """A call, a visit or a note as it now stands on the case's timeline. The note's text
    is not sent back: it is kept sealed, and read only with the case (`GET
    /alerts/{alert_id}`), a view that is written to the audit log."""

    alert_id: int
    kind: ContactKind
    result: ContactResult | None
    at: Instant
    by: str
    noted: bool = Field(description="A note was kept with it.")


# -- subjects -----------------------------------------------------------------------


class OpenAlert(Answer):
    id: int
    kind: AlertKind
    state: AlertState


class SubjectSummary(Answer):
    reference: str
    masked_name: str
    centre: str
    group: Group
    status: SubjectStatus
    paused: bool
    last_sign_at: Instant | None = Field(description="Null: no sign of life since consent.")
    silent_seconds: int | None
    next_due_at: Instant | None
    left_seconds: int | None = Field(description="Before the limit; negative once passed.")
    open_alerts: list[OpenAlert]


class CentreRef(Answer):
    id: int
    name: str


class SubjectPage(Answer):
    items: list[SubjectSummary]
    next_after: str | None = Field(
        description="Pass as `after` for the next page; null on the last."
    )
    centres: list[CentreRef] = Field(description="The centres within reach (for `centre_id`).")


class PauseOut(Answer):
    id: int = Field(description="Names the pause in `/pauses/{pause_id}/end`.")
    starts_at: Instant
    ends_at: Instant | None
    reason: str
    created_at: Instant
    current: bool


class PauseEnded(PauseOut):
    removed: bool = Field(
        description="True: the pause had not begun, so it was cancelled (taken away) "
        "rather than ended, and the fields are what it was; false: it ends at `ends_at`."
    )


class AlertBrief(Answer):
    id: int
    kind: AlertKind
    state: AlertState
    base_at: Instant
    opened_at: Instant
    acknowledged_at: Instant | None
    acknowledged_by: str | None
    resolved_at: Instant | None
    resolved_by: str | None
    outcome: Outcome | None


class ActivityDayOut(Answer):
    day: date = Field(description="A day in Asia/Seoul.")
    events: int
    signs_of_life: int


class SubjectDetail(Answer):
    reference: str
    name: str
    phone: str = Field(description="As dialled in Korea; empty once consent is withdrawn.")
    birth_date: date | None
    age: int | None
    address: str
    guardian_phone: str | None
    centre: str
    group: Group
    carrier: str
    consent_at: Instant
    status: SubjectStatus
    withdrawn_at: Instant | None
    inactivity_hours: float
    inactivity_custom: bool = Field(description="False: the group's default period.")
    phone_off_hours: float
    phone_off_custom: bool
    last_sign_at: Instant | None
    next_due_at: Instant | None
    paused: bool
    pauses: list[PauseOut]
    alerts: list[AlertBrief]
    activity: list[ActivityDayOut] = Field(description="The last 30 days, oldest first.")
    emergency_contacts: list[EmergencyContactOut] = Field(default_factory=list)
    visit_notes: str = ""


Hours = str | int | float


def _required(max_length: int) -> Any:
    """A text the enrolment rules require: something but blanks (as in the CSV, where
    `is required` refuses an empty or blank cell)."""
    return Field(max_length=max_length, json_schema_extra={"pattern": NON_BLANK_TEXT})


class EmergencyContactIn(Incoming):
    name: str = _required(MAX_CONTACT_NAME)
    relation: str = Field(
        default="",
        max_length=20,
        description="가족, 이웃, 통장, 기타 (or family, neighbour, tongjang, other); empty: 기타.",
        examples=["가족"],
    )
    phone: str = Field(max_length=40, description="A mobile or a Korean landline.")


_CONTACTS = Field(
    default=None,
    max_length=MAX_CONTACTS,
    description=f"Up to {MAX_CONTACTS}, sealed with the person's data. Absent or null: as "
    "stored; `[]` removes them.",
)
_VISIT_NOTES = Field(
    default=None,
    max_length=MAX_VISIT_NOTES,
    description="Entry code, health, pets… Absent or null: as stored; empty removes them.",
)


# The API's `subjects import --new-centre NAME`: the administrator says so explicitly.
_NEW_CENTRE = Field(
    default=False,
    description="Create `centre` although its name is close to an existing centre's. "
    "Without it such a name is taken for a typo and refused (422 on `centre`, the close "
    "names suggested); a name close to none is simply a new centre.",
)


class SubjectIn(Incoming):
    """One person, as a row of the subjects CSV (SPEC §4): the same columns and the same
    rules. An existing reference is updated, as by an import."""

    external_id: str = _required(200)
    name: str = _required(200)
    birth_date: str = Field(max_length=40, examples=["1948-03-02"])
    phone: str = Field(max_length=40, examples=["010-1234-5678"])
    carrier: str = Field(max_length=10, description="SKT, KT or LGU", examples=["SKT"])
    centre: str = _required(200)
    address: str = _required(500)
    inactivity_hours: Hours | None = Field(
        default=None, description="Null or absent: the group's default."
    )
    phone_off_hours: Hours | None = None
    consent_at: str = Field(
        max_length=60,
        description="ISO 8601 with its offset, or a Seoul time without one "
        "(`2026-11-01 09:00`), as in a district's own list.",
        examples=["2026-11-01T09:00:00+09:00"],
    )
    guardian_phone: str | None = Field(default=None, max_length=40)
    emergency_contacts: list[EmergencyContactIn] | None = _CONTACTS
    visit_notes: str | None = _VISIT_NOTES
    new_centre: bool = _NEW_CENTRE


class SubjectChanges(Incoming):
    """The fields to change; the others stay as stored. A period set to null goes back to
    the group's default; `guardian_phone` null removes it."""

    name: str | None = Field(default=None, max_length=200)
    birth_date: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    carrier: str | None = Field(default=None, max_length=10)
    centre: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    inactivity_hours: Hours | None = None
    phone_off_hours: Hours | None = None
    consent_at: str | None = Field(default=None, max_length=60)
    guardian_phone: str | None = Field(default=None, max_length=40)
    emergency_contacts: list[EmergencyContactIn] | None = _CONTACTS
    visit_notes: str | None = _VISIT_NOTES
    new_centre: bool = _NEW_CENTRE


class EnrolmentResult(Answer):
    reference: str
    outcome: str = Field(description="created, updated or unchanged", examples=["created"])


class PauseIn(Incoming):
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = Field(default=None, description="Null: until resumed.")
    reason: PauseReason
    note: str = Field(default="", max_length=MAX_PAUSE_NOTE)


# -- ingest -------------------------------------------------------------------------


class IngestResult(Answer):
    lines: int = Field(description="Lines (or array items) read, blank lines aside.")
    accepted: int
    stored: int = Field(description="New events stored.")
    duplicates: int = Field(description="Events already received (by carrier and event_id).")
    unknown_numbers: int = Field(description="Events for numbers nobody enrolled: dropped.")
    not_monitored: int = Field(description="Before consent, or after withdrawal: dropped.")
    watermarks: int
    rejected_count: int
    rejected: list[Rejected] = Field(description="The first rejections, by line.")


class IngestRefused(IngestResult):
    """422: every line of the batch was rejected (`code` is `all_lines_rejected`)."""

    code: str = _CODE
    message: str = _MESSAGE


def feed_item() -> JsonDict:
    """One item of a pushed JSON array: an activity event or a watermark (SPEC §4), as a
    line of JSON Lines is. Documented only: the batch is read as a file is, each item judged
    on its own, a bad one refused by its position and field while the rest is kept."""
    carrier: JsonDict = {"enum": [c.value for c in Carrier], "description": "SKT, KT or LGU"}
    instant: JsonDict = {"type": "string", "format": "date-time"}
    event: JsonDict = {
        "type": "object",
        "title": "FeedEvent",
        "properties": {
            "event_id": {
                "type": "string",
                "maxLength": 128,
                "pattern": NON_BLANK_LINE,
                "description": "Unique per carrier.",
            },
            "carrier": carrier,
            "phone": {"type": "string", "pattern": NON_BLANK_LINE, "examples": ["010-1234-5678"]},
            "kind": {"enum": [k.value for k in ActivityKind]},
            "occurred_at": {**instant, "description": "ISO 8601 with its offset."},
            "duration_s": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_DURATION_S},
        },
        "required": ["event_id", "carrier", "phone", "kind", "occurred_at"],
    }
    watermark: JsonDict = {
        "type": "object",
        "title": "FeedWatermark",
        "properties": {
            "carrier": carrier,
            "kind": {"const": WATERMARK},
            "complete_until": {**instant, "description": "Every event up to it was sent."},
        },
        "required": ["carrier", "kind", "complete_until"],
    }
    return {"oneOf": [event, watermark]}
