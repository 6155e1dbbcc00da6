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

from anbu.adapters.formats.subjects_csv import template_csv, template_xlsx
from anbu.domain.centre_names import CentreChoices, NewCentres
from anbu.domain.kinds import Carrier, Role
from anbu.domain.rejections import UnreadableInputError
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web import i18n
from anbu.entrypoints.web.auth import Form, anbu_of, requiring
from anbu.entrypoints.web.templating import templates
from anbu.services import enrolment_review
from anbu.services.accounts import StaffUser

router = APIRouter(include_in_schema=False)
Admin = Annotated[StaffUser, requiring(Role.ADMIN)]
SEOUL = ZoneInfo("Asia/Seoul")
# A select of the known centres, or a new one typed in.
NEW_CENTRE = "new_centre"

i18n.add(
    {
        "enrol.title": ("대상자 등록", "Enrol people"),
        "enrol.one": ("한 사람 등록", "Enrol one person"),
        "enrol.one_help": (
            "일괄 등록 파일과 같은 규칙으로 확인합니다. 같은 관리번호가 있으면 내용을 고칩니다.",
            "Checked by the same rules as a file; an existing reference is updated.",
        ),
        "enrol.external_id": ("관리번호", "Reference"),
        "enrol.name": ("이름", "Name"),
        "enrol.birth_date": ("생년월일", "Date of birth"),
        "enrol.phone": ("휴대전화 번호", "Mobile number"),
        "enrol.carrier": ("통신사", "Carrier"),
        "enrol.centre": ("동주민센터", "Community centre"),
        "enrol.new_centre_option": ("새 센터 (아래에 입력)", "A new centre (type below)"),
        "enrol.new_centre": ("새 센터 이름", "New centre's name"),
        "enrol.address": ("주소", "Address"),
        "enrol.inactivity_hours": ("무활동 기준 (시간)", "Inactivity period (hours)"),
        "enrol.phone_off_hours": ("전원 꺼짐 기준 (시간)", "Phone-off period (hours)"),
        "enrol.group_default": ("비워 두면 연령대 기본값", "Blank: the age group's default"),
        "enrol.consent_at": ("동의 일시 (서울 시각)", "Consent given at (Seoul time)"),
        "enrol.guardian_phone": ("보호자 휴대전화 (선택)", "Guardian's mobile (optional)"),
        "enrol.submit": ("등록", "Enrol"),
        "enrol.refused": (
            "등록하지 못했습니다. 표시된 항목을 고쳐 주세요.",
            "Not enrolled: please correct the marked fields.",
        ),
        "enrol.done.created": ("등록했습니다", "Enrolled"),
        "enrol.done.updated": ("내용을 고쳤습니다", "Updated"),
        "enrol.done.unchanged": (
            "이미 같은 내용으로 등록되어 있습니다",
            "Already enrolled as given",
        ),
        "enrol.upload": ("파일로 여러 명 등록", "Enrol a list from a file"),
        "enrol.upload_help": (
            "조사 명단 엑셀(.xlsx) 또는 CSV (UTF-8 또는 엑셀 기본 CP949), 한글 또는 영문 "
            "머리글. 시각에 시간대가 없으면 서울 시각으로 읽습니다. 저장하기 전에 한 줄씩 "
            "검토 결과를 보여 드립니다. 올린 파일은 암호화해 30분까지만 보관하고 저장하거나 "
            "취소하면 바로 지웁니다.",
            "The survey as an Excel workbook (.xlsx) or CSV (UTF-8 or Excel's CP949), with "
            "Korean or English headers; a time without an offset is read as Seoul time. You "
            "see a row-by-row review before anything is saved. The file is kept encrypted for "
            "30 minutes at most and deleted once saved or cancelled.",
        ),
        "enrol.template": ("양식 내려받기", "Download a template"),
        "enrol.file": ("명단 파일", "List file"),
        "enrol.review": ("검토", "Review"),
        "enrol.no_file": ("파일을 골라 주세요.", "Please choose a file."),
        "enrol.too_large": ("파일이 너무 큽니다.", "The file is too large."),
        "enrol.unreadable": ("파일을 읽을 수 없습니다", "The file cannot be read"),
        "enrol.gone": (
            "검토한 파일이 없거나 30분이 지나 지워졌습니다. 다시 올려 주세요.",
            "The reviewed file is gone or was deleted after 30 minutes; please upload it again.",
        ),
        "enrol.discarded": ("올린 파일을 지웠습니다.", "The uploaded file was deleted."),
        "enrol.report_title": ("등록 파일 검토", "Review of the list"),
        "enrol.result_title": ("등록 결과", "Enrolment result"),
        "enrol.dry_run": (
            "아직 아무것도 저장하지 않았습니다. 아래 결과를 확인한 뒤 저장하세요. "
            "오류가 있는 줄은 저장하지 않습니다.",
            "Nothing is saved yet. Check the result, then save; rows with errors are not saved.",
        ),
        "enrol.expires": ("검토한 파일 보관 기한", "The reviewed file is kept until"),
        "enrol.created": ("새로 등록", "New"),
        "enrol.updated": ("변경", "Changed"),
        "enrol.unchanged": ("변경 없음", "Unchanged"),
        "enrol.rejected": ("오류", "Errors"),
        "enrol.new_centres": ("새로 만들어질 센터", "Centres that will be created"),
        "enrol.line": ("줄", "Line"),
        "enrol.field": ("항목", "Field"),
        "enrol.reason": ("사유", "Reason"),
        "enrol.confirm": ("오류 없는 줄 저장", "Save the rows without errors"),
        "enrol.nothing_to_save": ("저장할 줄이 없습니다.", "There is nothing to save."),
        "enrol.discard": ("취소하고 파일 지우기", "Cancel and delete the file"),
        "enrol.again": ("다른 파일 올리기", "Upload another file"),
    }
)


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
            (field or "form"): reason for r in report.rejected for field, reason in r.problems
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
            request, user, upload_error="enrol.unreadable", upload_detail=str(exc), status=400
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
