"""Enrolment from the web: one person by form, or a list reviewed before it is saved.

Both go the way of the command line's import — `read_subjects`, then `enrol` — so the
rules are the same whichever door a record comes through.

A list is first reviewed: read, checked row by row and compared with what is stored, with
nothing written (not even the centres it names). The file is then held, sealed, for
`KEEP_UPLOADS` at most (see `anbu.adapters.held_uploads`) until its uploader confirms or
discards it; a confirmation enrols it and deletes it.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from anbu.adapters.formats.subjects_csv import COLUMNS, OPTIONAL_COLUMNS, Parsed, read_subjects
from anbu.adapters.held_uploads import HeldUploads
from anbu.adapters.storage.enrolment_review import EnrolmentReview
from anbu.domain.centre_names import (
    NONE_NEW,
    UNDECIDED,
    CentreChoices,
    NewCentres,
    refusal,
    unknown_centre,
)
from anbu.domain.kinds import Role
from anbu.domain.rejections import Rejection
from anbu.domain.wording import Message
from anbu.services.accounts import StaffUser
from anbu.services.context import Context
from anbu.services.enrolment import (
    _canonical,  # the record key's text: a review must compare exactly as `enrol` does
    enrol,
)
from anbu.services.imports import ImportReport

KEEP_UPLOADS = timedelta(minutes=30)
FORM_FIELDS = (*COLUMNS, *OPTIONAL_COLUMNS)
_CHUNK = 500
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # a whole district's survey is a few megabytes


class EnrolmentRefusedError(PermissionError):
    """Only an administrator enrols people."""


@dataclass
class Review:
    """What saving a list would do, worked out without writing anything."""

    report: ImportReport
    new_centres: list[str] = field(default_factory=list)
    # Names close to an existing centre (refused until renamed or allowed), each with the
    # existing names suggested, in the order the file gives them.
    typos: dict[str, list[str]] = field(default_factory=dict)

    @property
    def saves_anything(self) -> bool:
        return bool(self.report.created or self.report.updated)

    @property
    def worth_holding(self) -> bool:
        """Something to save, or a centre to decide on (which may make rows savable)."""
        return self.saves_anything or bool(self.typos)


@dataclass(frozen=True, slots=True)
class HeldReview:
    review: Review
    # Where the file is held for confirmation; None when it would save nothing (not held).
    upload_id: str | None
    expires_at: datetime | None


def centre_names(app: Context) -> list[str]:
    with app.transaction() as store:
        return store.centres.names()


def enrol_person(
    app: Context,
    user: StaffUser,
    fields: Mapping[str, str],
    *,
    now: datetime,
    new_centre: bool = False,
) -> ImportReport:
    """Enrol or update one person from a form whose fields are the subjects CSV's columns
    (the consent instant with its offset). A refusal comes back in `report.rejected`,
    naming the column. `new_centre` allows the row's centre to be created although its
    name is close to an existing one's (refused as a typo otherwise)."""
    _check(user)
    rows = _read(app, _one_row(fields), now)
    allowed = NewCentres(every=True) if new_centre else NONE_NEW
    return enrol(app, rows, now=now, actor=user.login, new_centres=allowed)


def review(
    app: Context, data: bytes, *, now: datetime, choices: CentreChoices = UNDECIDED
) -> Review:
    """What enrolling `data` now would do: the counts and each refused row (line, field,
    reason), as `enrol` would decide them, and the centres it would create or refuses as
    typos (`choices` renames them or allows them). Writes nothing.
    Raises UnreadableInputError for a file that cannot be read at all."""
    rows = _read(app, data, now, choices)
    found = Review(ImportReport())
    with app.transaction() as store:
        centres = _Known(set(store.centres.names()), choices)
        # Numbers as the file leaves them so far: a row may take a number an earlier row
        # gave up (None), or one an earlier row took.
        taken: dict[bytes, str | None] = {}
        for chunk in _chunks(rows):
            _review_chunk(app, store.enrolment_review, chunk, taken, centres, found)
    found.report.rejected.sort(key=lambda r: r.line)
    return found


def review_upload(app: Context, user: StaffUser, data: bytes, *, now: datetime) -> HeldReview:
    """Review an uploaded list and hold it for confirmation, if it would save anything or
    names a centre to decide on. Raises UnreadableInputError (nothing is held then)."""
    _check(user)
    shelf = _shelf(app)
    shelf.purge(now)
    found = review(app, data, now=now)
    if not found.worth_holding:
        return HeldReview(found, None, None)
    return HeldReview(found, shelf.hold(data, user.login, now), now + shelf.keep_for)


def review_again(
    app: Context, user: StaffUser, upload_id: str, choices: CentreChoices, *, now: datetime
) -> Review | None:
    """The held list reviewed again with the administrator's centre choices; it stays
    held. None when it is unknown, expired or another's."""
    _check(user)
    shelf = _shelf(app)
    shelf.purge(now)
    data = shelf.peek(upload_id, user.login, now)
    return None if data is None else review(app, data, now=now, choices=choices)


def confirm_upload(
    app: Context,
    user: StaffUser,
    upload_id: str,
    *,
    now: datetime,
    choices: CentreChoices = UNDECIDED,
) -> ImportReport | None:
    """Enrol a held list and delete it; None when it is unknown, expired or another's.
    The rows are read again now: what is saved follows the rules as they stand, with the
    centre `choices` made on the review."""
    _check(user)
    shelf = _shelf(app)
    shelf.purge(now)
    data = shelf.take(upload_id, user.login, now)
    if data is None:
        return None
    report = enrol(
        app, _read(app, data, now, choices), now=now, actor=user.login, new_centres=choices.new
    )
    with app.transaction() as store:
        store.audit.record(user.login, "subjects.imported", now, detail=report.summary())
    return report


def discard_upload(app: Context, user: StaffUser, upload_id: str, *, now: datetime) -> bool:
    _check(user)
    shelf = _shelf(app)
    shelf.purge(now)
    return shelf.discard(upload_id, user.login, now)


def purge_uploads(app: Context, now: datetime) -> int:
    """Delete held lists past their time; for a periodic loop, so that none outlives it
    even when nobody comes back to the page."""
    return _shelf(app).purge(now)


def _review_chunk(
    app: Context,
    on_file: EnrolmentReview,
    chunk: list[Parsed],
    taken: dict[bytes, str | None],
    centres: _Known,
    found: Review,
) -> None:
    """Each row's fate, as `_enrol_one` in `anbu.services.enrolment` decides it and in the
    same order of checks, from two reads for the whole chunk."""
    good = [row for row in chunk if not isinstance(row, Rejection)]
    phone_keys = {e.external_id: app.vault.lookup_key(e.phone) for _, e in good}
    stored = on_file.known(phone_keys)
    holders = on_file.holders(set(phone_keys.values()) - set(taken))
    for row in chunk:
        if isinstance(row, Rejection):
            found.report.rejected.append(row)
            continue
        line, enrolment = row
        phone_key = phone_keys[enrolment.external_id]
        existing = stored.get(enrolment.external_id)
        holder = taken[phone_key] if phone_key in taken else holders.get(phone_key)
        if holder is not None and holder != enrolment.external_id:
            found.report.rejected.append(
                Rejection(line, "phone", Message("reason.phone_taken", holder=holder))
            )
            continue
        record_key = app.vault.lookup_key(_canonical(enrolment))
        if existing is not None and existing.record_key == record_key:
            found.report.count("unchanged")
            continue
        withdrawn_at = existing.withdrawn_at if existing is not None else None
        if withdrawn_at is not None and enrolment.consent_at <= withdrawn_at:
            found.report.rejected.append(
                Rejection(
                    line,
                    "consent_at",
                    Message("reason.consent_withdrawn"),
                )
            )
            continue
        typo_of = unknown_centre(enrolment.centre, centres.names, centres.choices.new)
        if typo_of:
            found.report.rejected.append(
                Rejection(line, "centre", refusal(enrolment.centre, typo_of))
            )
            found.typos.setdefault(enrolment.centre, typo_of)
            continue
        if existing is not None and existing.phone_key != phone_key:
            taken[existing.phone_key] = None
        taken[phone_key] = enrolment.external_id
        found.report.count("created" if existing is None else "updated")
        if enrolment.centre not in centres.names:
            # Created by this row: later rows compare with it, as `enrol` does.
            centres.names.add(enrolment.centre)
            found.new_centres.append(enrolment.centre)


@dataclass(slots=True)
class _Known:
    """The centres a review has seen so far (stored, then created by earlier rows)."""

    names: set[str]
    choices: CentreChoices


def _chunks(rows: Iterable[Parsed]) -> Iterator[list[Parsed]]:
    chunk: list[Parsed] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _read(
    app: Context, data: bytes, now: datetime, choices: CentreChoices = UNDECIDED
) -> Iterable[Parsed]:
    for row in read_subjects(data, now=now, periods=app.periods):
        if isinstance(row, Rejection) or not choices.renamed:
            yield row
            continue
        line, enrolment = row
        yield line, dataclasses.replace(enrolment, centre=choices.centre(enrolment.centre))


def _one_row(fields: Mapping[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FORM_FIELDS)
    writer.writerow([fields.get(name, "") for name in FORM_FIELDS])
    return out.getvalue().encode()


def _shelf(app: Context) -> HeldUploads:
    return HeldUploads(app.options.uploads, app.vault, KEEP_UPLOADS)


def _check(user: StaffUser) -> None:
    if user.role is not Role.ADMIN:
        raise EnrolmentRefusedError(user.login)
