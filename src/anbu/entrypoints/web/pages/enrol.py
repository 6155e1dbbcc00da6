"""Enrolment, for administrators: one person by form, or a list (the subjects CSV) that is
reviewed row by row before anything is saved, then confirmed.

The reviewed file is held on the server, sealed, for 30 minutes at most, and deleted once
confirmed or discarded (`anbu.services.enrolment_review`): the browser cannot be asked to
send a file again without the person choosing it again, and a copy kept in the page would
be the whole list again in every form post. It is held in the data folder: with several
web machines, a confirmation that reaches another machine finds nothing and asks for the
file again (nothing is saved twice or lost).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from anbu.adapters import catalogue
from anbu.adapters.formats.subjects_csv import template_csv, template_xlsx
from anbu.domain.centre_names import CentreChoices, NewCentres
from anbu.domain.kinds import Carrier, Role
from anbu.domain.rejections import UnreadableInputError
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web.auth import Form, anbu_of, requiring
from anbu.entrypoints.web.templating import templates
from anbu.services import enrolment_review
from anbu.services.accounts import StaffUser

router = APIRouter(include_in_schema=False)
Admin = Annotated[StaffUser, requiring(Role.ADMIN)]
SEOUL = ZoneInfo("Asia/Seoul")
# A select of the known centres, or a new one typed in.
NEW_CENTRE = "new_centre"


@router.get("/enrol", response_class=HTMLResponse)
def enrol_page(
    request: Request,
    user: Admin,
    done: str = "",
    outcome: str = "",
    discarded: bool = False,
) -> Response:
    notice = ""
    if outcome in ("created", "updated", "unchanged") and done:
        notice = outcome
    return _form_page(
        request,
        user,
        values={},
        errors={},
        done=done if notice else "",
        notice=notice,
        discarded=discarded,
    )


@router.post("/enrol", response_class=HTMLResponse)
def enrol_person(request: Request, user: Admin, form: Form) -> Response:
    values = {name: _text(form, name) for name in enrolment_review.FORM_FIELDS}
    values[NEW_CENTRE] = _text(form, NEW_CENTRE)
    fields = dict(values)
    fields["centre"] = values["centre"] or values[NEW_CENTRE]
    fields["consent_at"] = _seoul_instant(values["consent_at"])
    report = enrolment_review.enrol_person(anbu_of(request), user, fields, now=wall_clock())
    if report.rejected:
        errors = {
            (field or "form"): catalogue.say(reason, user.language)
            for r in report.rejected
            for field, reason in r.problems
        }
        return _form_page(request, user, values=values, errors=errors, status=400)
    outcome = next(o for o in ("created", "updated", "unchanged") if getattr(report, o))
    query = urlencode({"done": fields["external_id"].strip(), "outcome": outcome})
    return RedirectResponse(f"/enrol?{query}", status_code=303)


@router.get("/enrol/template.{kind}")
def template(kind: str, user: Admin) -> Response:
    """The subjects file to fill in, with Korean headers and one example row."""
    if kind == "xlsx":
        return Response(
            template_xlsx(korean=True),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="anbu-subjects.xlsx"'},
        )
    if kind == "csv":
        return Response(
            template_csv(korean=True),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="anbu-subjects.csv"'},
        )
    raise HTTPException(404, "not found")


@router.post("/enrol/upload", response_class=HTMLResponse)
def upload(request: Request, user: Admin, form: Form) -> Response:
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _form_page(request, user, upload_error="enrol.no_file", status=400)
    data = file.file.read(enrolment_review.MAX_UPLOAD_BYTES + 1)
    if len(data) > enrolment_review.MAX_UPLOAD_BYTES:
        return _form_page(request, user, upload_error="enrol.too_large", status=413)
    try:
        held = enrolment_review.review_upload(anbu_of(request), user, data, now=wall_clock())
    except UnreadableInputError as exc:
        return _form_page(
            request,
            user,
            upload_error="enrol.unreadable",
            upload_detail=catalogue.say(exc.reason, user.language),
            status=400,
        )
    return _review_page(
        request, user, held.review, held.upload_id, CentreChoices(), expires_at=held.expires_at
    )


@router.post("/enrol/upload/{upload_id}/centres", response_class=HTMLResponse)
def decide_centres(request: Request, upload_id: str, user: Admin, form: Form) -> Response:
    """The held list reviewed again with the centre names decided so far (a typo read as
    the suggested centre, or a new centre allowed); nothing is saved yet."""
    choices = _choices(form)
    found = enrolment_review.review_again(
        anbu_of(request), user, upload_id, choices, now=wall_clock()
    )
    if found is None:
        return _form_page(request, user, upload_error="enrol.gone", status=404)
    return _review_page(request, user, found, upload_id, choices)


@router.post("/enrol/upload/{upload_id}/confirm", response_class=HTMLResponse)
def confirm(request: Request, upload_id: str, user: Admin, form: Form) -> Response:
    report = enrolment_review.confirm_upload(
        anbu_of(request), user, upload_id, now=wall_clock(), choices=_choices(form)
    )
    if report is None:
        return _form_page(request, user, upload_error="enrol.gone", status=404)
    return templates.TemplateResponse(
        request,
        "enrol_report.html",
        {
            "user": user,
            "section": "enrol",
            "report": report,
            "new_centres": report.new_centres,
            "typos": {},
            "choices": CentreChoices(),
            "confirmed": True,
        },
    )


@router.post("/enrol/upload/{upload_id}/discard")
def discard(request: Request, upload_id: str, user: Admin, form: Form) -> Response:
    if not enrolment_review.discard_upload(anbu_of(request), user, upload_id, now=wall_clock()):
        raise HTTPException(404, "not found")
    return RedirectResponse("/enrol?discarded=true", status_code=303)


def _review_page(
    request: Request,
    user: StaffUser,
    found: enrolment_review.Review,
    upload_id: str | None,
    choices: CentreChoices,
    *,
    expires_at: datetime | None = None,
) -> Response:
    return templates.TemplateResponse(
        request,
        "enrol_report.html",
        {
            "user": user,
            "section": "enrol",
            "report": found.report,
            "new_centres": found.new_centres,
            "typos": found.typos,
            "choices": choices,
            "upload_id": upload_id,
            "saves_anything": found.saves_anything,
            "expires_at": expires_at,
            "confirmed": False,
        },
    )


def _choices(form: FormData) -> CentreChoices:
    """The centre names decided on a review, carried by each of its forms: pairs of
    `rename_from`/`rename_to`, and `allow` for each new centre allowed."""
    renamed = zip(_texts(form, "rename_from"), _texts(form, "rename_to"), strict=False)
    return CentreChoices(
        tuple((typo, name) for typo, name in renamed if typo and name),
        NewCentres(frozenset(name for name in _texts(form, "allow") if name)),
    )


def _texts(form: FormData, name: str) -> list[str]:
    return [value for value in form.getlist(name) if isinstance(value, str)]


def _form_page(
    request: Request,
    user: StaffUser,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    return templates.TemplateResponse(
        request,
        "enrol.html",
        {
            "user": user,
            "section": "enrol",
            "values": values or {},
            "errors": errors or {},
            "centres": enrolment_review.centre_names(anbu_of(request)),
            "carriers": [c.value for c in Carrier],
            "new_centre": NEW_CENTRE,
            **extra,
        },
        status_code=status,
    )


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _seoul_instant(text: str) -> str:
    """A `datetime-local` value (`2026-11-01T09:00`) is Seoul wall-clock time; anything
    else goes on as typed, for the file's own rules to judge (and name the field)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SEOUL)
    return parsed.isoformat()
