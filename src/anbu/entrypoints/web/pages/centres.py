"""Centre settings, for a centre's lead (their own centres) and administrators (all): the
default periods by age group, the escalation policy, and who works there.

A centre out of a lead's reach is "not found" (its existence does not leak); the pages are
refused (403) to every other role.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from anbu.domain.escalation import (
    MAX_TIERS,
    Audience,
    EscalationPolicy,
    PolicyError,
)
from anbu.domain.kinds import Detection, Group, Role
from anbu.domain.subjects import GroupPeriods
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web import i18n
from anbu.entrypoints.web.auth import Form, anbu_of, requiring
from anbu.entrypoints.web.identifiers import RecordId, RecordIdQuery
from anbu.entrypoints.web.templating import templates
from anbu.services import centre_settings
from anbu.services.accounts import StaffUser
from anbu.services.centre_settings import CentreNotFoundError, PeriodsError

router = APIRouter(include_in_schema=False)
Keeper = Annotated[StaffUser, requiring(Role.LEAD, Role.ADMIN)]
_TIER_FIELD = re.compile(r"tiers\[(\d+)\]\.(audience|wait)")
# Blank tier rows offered beyond the policy's own, and the most rows a form may post.
_SPARE_TIERS = 2
_MAX_TIER_ROWS = MAX_TIERS + _SPARE_TIERS
# The tier audiences in the order a form offers them.
_AUDIENCES = [a.value for a in (Audience.CENTRE, Audience.LEADS, Audience.DUTY)]

i18n.add(
    {
        "centres.title": ("센터 설정", "Centre settings"),
        "centres.none": ("관리할 센터가 없습니다.", "You keep no centre."),
        "centres.name": ("센터", "Centre"),
        "centres.people": ("대상자 수", "People"),
        "centres.policy": ("알림 단계", "Escalation"),
        "centres.periods": ("기본 기준 시간", "Default periods"),
        "centres.own": ("센터 설정", "Centre's own"),
        "centres.default": ("기본값", "Default"),
        "centres.district": ("구 기본값", "District's"),
        "centres.saved.policy": ("알림 단계를 저장했습니다.", "Escalation policy saved."),
        "centres.saved.periods": (
            "기본 기준 시간을 저장했습니다. 기준 시간이 바뀐 대상자",
            "Default periods saved. People whose period changed",
        ),
        "centres.refused": (
            "저장하지 못했습니다. 표시된 항목을 고쳐 주세요.",
            "Not saved: please correct the marked field.",
        ),
        "centres.periods_help": (
            "개인별 기준 시간이 따로 정해지지 않은 대상자에게 적용됩니다. 저장하면 이 센터의 "
            "해당 대상자 기준 시간과 다음 확인 시각이 바로 바뀝니다.",
            "These apply to people without a period of their own; saving moves those people "
            "of this centre, and their next due time, at once.",
        ),
        "centres.group": ("연령대", "Age group"),
        "centres.group.under_40": ("40세 미만", "Under 40"),
        "centres.group.age_40_59": ("40–59세", "40–59"),
        "centres.group.age_60_74": ("60–74세", "60–74"),
        "centres.group.age_75_plus": ("75세 이상", "75 and over"),
        "centres.inactivity": ("무활동 기준 (시간)", "Inactivity (hours)"),
        "centres.phone_off": ("전원 꺼짐 기준 (시간)", "Phone off (hours)"),
        "centres.save_periods": ("기준 시간 저장", "Save periods"),
        "centres.detection": ("감지 방식", "Detection"),
        "centres.detection_help": (
            "대상자별로 따로 정하지 않은 사람에게 적용됩니다. 바꾸면 이 센터의 해당 대상자 "
            "다음 확인 시각이 바로 다시 계산됩니다.",
            "Applies to people without a choice of their own; changing it works out those "
            "people's next due time again at once.",
        ),
        "centres.detection.fixed": (
            "고정 기준: 정한 시간 동안 통화·문자가 없으면 알림",
            "Fixed: alert when nothing is heard for the set period",
        ),
        "centres.detection.personal": (
            "개인 맞춤: 평소 생활 리듬과 다른 무응답이면 관심 → 주의 → 심각 단계로 알림 "
            "(무활동 기준 시간이 최대 한도)",
            "Personal: alert by level (attention → caution → serious) when a silence is "
            "unusual for the person (the inactivity period is the most it waits)",
        ),
        "centres.detection_short.fixed": ("고정 기준", "Fixed"),
        "centres.detection_short.personal": ("개인 맞춤", "Personal"),
        "centres.save_detection": ("감지 방식 저장", "Save detection"),
        "centres.saved.detection": (
            "감지 방식을 저장했습니다. 바뀐 대상자",
            "Detection saved. People who moved",
        ),
        "centres.reset_periods": ("구 기본값으로 되돌리기", "Back to the district's periods"),
        "centres.policy_help": (
            "알림이 열리면 첫 단계부터 차례로 알립니다. 접수하지 않으면 정한 시간 뒤에 다음 "
            "단계로 넘어갑니다. 변경 내용은 이후에 열리는 알림부터 적용됩니다.",
            "An alert tells the first tier, then the next when nobody acknowledges in time. "
            "A change applies to alerts that open afterwards.",
        ),
        "centres.tiers": ("알림 단계", "Tiers"),
        "centres.tier": ("단계", "Tier"),
        "centres.audience": ("받는 사람", "Who"),
        "centres.audience.none": ("— 사용 안 함 —", "— not used —"),
        "centres.audience.centre": ("센터 담당자", "Centre officers"),
        "centres.audience.leads": ("센터 팀장", "Centre leads"),
        "centres.audience.duty": ("구 당직 (상황실)", "District duty desk"),
        "centres.wait": ("접수 대기 (분)", "Wait for acknowledgement (min)"),
        "centres.reminders": ("마지막 단계 재알림 횟수", "Reminders to the last tier"),
        "centres.reminder_every": ("재알림 간격 (분)", "Reminder every (min)"),
        "centres.self_check": (
            '담당자보다 먼저 본인에게 안부 문자 보내기 ("괜찮으시면 1을 회신")',
            'Text the person first ("reply 1 if you are fine")',
        ),
        "centres.self_check_title": ("본인 안부 문자", "Self-check text"),
        "centres.self_check_tries": ("안부 문자 횟수", "Self-check texts"),
        "centres.self_check_wait": ("안부 문자 회신 대기 (분)", "Wait for a reply (min)"),
        "centres.guardian": (
            "첫 담당자 알림과 함께 보호자에게도 알리기",
            "Tell the guardian with the first tier",
        ),
        "centres.contact_within": (
            "접수 후 전화·방문 기록 기한 (분)",
            "After acknowledging, contact within (min)",
        ),
        "centres.office_hours": (
            "근무 시간 (평일, 공휴일 제외; 그 밖에는 구 당직으로)",
            "Office hours (weekdays, holidays excluded; otherwise the duty desk)",
        ),
        "centres.office_hours.start": ("시작", "From"),
        "centres.office_hours.end": ("끝", "Until"),
        "centres.save_policy": ("알림 단계 저장", "Save escalation policy"),
        "centres.reset_policy": ("기본값으로 되돌리기", "Back to the default"),
        "centres.staff": ("직원", "Staff"),
        "centres.login": ("아이디", "Login"),
        "centres.role": ("역할", "Role"),
        "centres.role.officer": ("담당 공무원", "Officer"),
        "centres.role.lead": ("팀장", "Lead"),
        "centres.role.admin": ("구청 관리자", "Administrator"),
        "centres.role.operator": ("운영자", "Operator"),
        "centres.role.duty": ("구 당직", "Duty desk"),
        "centres.inactive": ("사용 중지", "Inactive"),
        "centres.contact_problem": ("연락처 문제", "Contact problem"),
        "centres.no_staff": ("이 센터에 등록된 직원이 없습니다.", "No staff in this centre."),
    }
)


@router.get("/centres", response_class=HTMLResponse)
def centres_page(request: Request, user: Keeper) -> Response:
    found = centre_settings.centres(anbu_of(request), user)
    return templates.TemplateResponse(
        request, "centres.html", {"user": user, "section": "centres", "centres": found}
    )


@router.get("/centres/{centre_id}", response_class=HTMLResponse)
def centre_page(
    request: Request,
    centre_id: RecordId,
    user: Keeper,
    saved: Annotated[str, Query(max_length=20)] = "",
    moved: RecordIdQuery = None,
) -> Response:
    return _centre_page(request, user, centre_id, saved=saved, moved=moved)


@router.post("/centres/{centre_id}/periods", response_class=HTMLResponse)
def save_periods(request: Request, centre_id: RecordId, user: Keeper, form: Form) -> Response:
    app = anbu_of(request)
    values = {name: _text(form, name) for name in _period_fields()}
    try:
        periods = None if form.get("reset") else centre_settings.periods_from_hours(values)
        moved = centre_settings.set_periods(app, user, centre_id, periods, now=wall_clock())
    except CentreNotFoundError as exc:
        raise HTTPException(404, "not found") from exc
    except PeriodsError as exc:
        return _centre_page(
            request, user, centre_id, period_values=values, errors={exc.field: exc.reason}
        )
    return RedirectResponse(f"/centres/{centre_id}?saved=periods&moved={moved}", status_code=303)


@router.post("/centres/{centre_id}/detection", response_class=HTMLResponse)
def save_detection(request: Request, centre_id: RecordId, user: Keeper, form: Form) -> Response:
    try:
        chosen = Detection(_text(form, "detection"))
    except ValueError:
        errors = {"detection": "고정 기준 또는 개인 맞춤을 고르세요 (fixed, personal)"}
        return _centre_page(request, user, centre_id, errors=errors)
    try:
        moved = centre_settings.set_detection(
            anbu_of(request), user, centre_id, chosen, now=wall_clock()
        )
    except CentreNotFoundError as exc:
        raise HTTPException(404, "not found") from exc
    return RedirectResponse(f"/centres/{centre_id}?saved=detection&moved={moved}", status_code=303)


@router.post("/centres/{centre_id}/policy", response_class=HTMLResponse)
def save_policy(request: Request, centre_id: RecordId, user: Keeper, form: Form) -> Response:
    app = anbu_of(request)
    rows = _tier_rows(form)
    try:
        if form.get("reset"):
            centre_settings.reset_policy(app, user, centre_id, now=wall_clock())
        else:
            document, used = _policy_document(form, rows)
            try:
                centre_settings.set_policy(app, user, centre_id, document, now=wall_clock())
            except PolicyError as exc:
                errors = {_form_field(exc.field, used): exc.reason}
                values = {**_policy_values(form), "tiers": rows}
                return _centre_page(request, user, centre_id, policy_values=values, errors=errors)
    except CentreNotFoundError as exc:
        raise HTTPException(404, "not found") from exc
    return RedirectResponse(f"/centres/{centre_id}?saved=policy", status_code=303)


def _centre_page(
    request: Request,
    user: StaffUser,
    centre_id: int,
    *,
    saved: str = "",
    moved: int | None = None,
    period_values: dict[str, str] | None = None,
    policy_values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    try:
        found = centre_settings.settings_of(anbu_of(request), user, centre_id)
    except CentreNotFoundError as exc:
        raise HTTPException(404, "not found") from exc
    return templates.TemplateResponse(
        request,
        "centre.html",
        {
            "user": user,
            "section": "centres",
            "centre": found,
            "staff_names": found.staff_names,
            "groups": [g.value for g in Group],
            "audiences": _AUDIENCES,
            "periods": period_values or _hours_of(found.periods),
            "district": _hours_of(found.district_periods),
            "policy": policy_values or _values_of(found.policy),
            "errors": errors or {},
            "saved": saved if saved in ("policy", "periods", "detection") else "",
            "detections": [d.value for d in Detection],
            "moved": moved,
        },
        status_code=400 if errors else 200,
    )


def _period_fields() -> list[str]:
    return [f"{kind}.{g.value}" for kind in centre_settings.KINDS for g in Group]


def _hours_of(periods: GroupPeriods) -> dict[str, str]:
    hour = 3600
    return {
        **{
            f"inactivity.{g.value}": f"{p.total_seconds() / hour:g}"
            for g, p in periods.inactivity.items()
        },
        **{
            f"phone_off.{g.value}": f"{p.total_seconds() / hour:g}"
            for g, p in periods.phone_off.items()
        },
    }


def _values_of(policy: EscalationPolicy) -> dict[str, Any]:
    """The policy as the form shows it: its JSON form, flattened, with spare tier rows."""
    data = policy.to_json()
    tiers = [{"audience": t["audience"], "wait": str(t["wait"])} for t in data["tiers"]]
    spare = max(0, min(_SPARE_TIERS, _MAX_TIER_ROWS - len(tiers)))
    return {
        "tiers": tiers + [{"audience": "", "wait": ""}] * spare,
        "reminders": str(data["reminders"]),
        "reminder_every": str(data["reminder_every"]),
        "self_check": data["self_check"],
        "self_check_tries": str(data["self_check_tries"]),
        "self_check_wait": str(data["self_check_wait"]),
        "guardian": data["guardian"],
        "contact_within": str(data["contact_within"]),
        "office_hours.start": data["office_hours"]["start"],
        "office_hours.end": data["office_hours"]["end"],
    }


def _policy_values(form: FormData) -> dict[str, Any]:
    """What was posted, to show again beside an error."""
    texts = (
        "reminders",
        "reminder_every",
        "self_check_tries",
        "self_check_wait",
        "contact_within",
        "office_hours.start",
        "office_hours.end",
    )
    return {
        **{name: _text(form, name) for name in texts},
        "self_check": bool(form.get("self_check")),
        "guardian": bool(form.get("guardian")),
    }


def _tier_rows(form: FormData) -> list[dict[str, str]]:
    """The tier rows as posted, in row order (blank rows included, so that an error's row
    number is the form's own)."""
    indices = {int(m[1]) for key in form if (m := _TIER_FIELD.fullmatch(key))}
    count = min(max(indices, default=-1) + 1, _MAX_TIER_ROWS)
    return [
        {"audience": _text(form, f"tiers[{i}].audience"), "wait": _text(form, f"tiers[{i}].wait")}
        for i in range(count)
    ]


def _policy_document(
    form: FormData, rows: list[dict[str, str]]
) -> tuple[dict[str, Any], list[int]]:
    """The policy's JSON form from the posted fields, and which form row each tier came from.
    Values go in as typed where they are not numbers, so that the policy's own reading
    refuses them and names the field."""
    tiers, used = [], []
    for index, row in enumerate(rows):
        if not row["audience"]:
            continue  # a row left unused
        tiers.append({"audience": row["audience"], "wait": _number(row["wait"])})
        used.append(index)
    document = {
        "tiers": tiers,
        "reminders": _number(_text(form, "reminders")),
        "reminder_every": _number(_text(form, "reminder_every")),
        "self_check": bool(form.get("self_check")),
        "self_check_tries": _number(_text(form, "self_check_tries")),
        "self_check_wait": _number(_text(form, "self_check_wait")),
        "guardian": bool(form.get("guardian")),
        "contact_within": _number(_text(form, "contact_within")),
        "office_hours": {
            "start": _text(form, "office_hours.start"),
            "end": _text(form, "office_hours.end"),
        },
    }
    return document, used


def _form_field(field: str, used: list[int]) -> str:
    """A policy field (`tiers[1].wait`) as the form names it (the second used row)."""
    found = re.fullmatch(r"tiers\[(\d+)\](.*)", field)
    if found is None:
        return field
    index = int(found[1])
    return f"tiers[{used[index]}]{found[2]}" if index < len(used) else "tiers"


def _number(text: str) -> int | str:
    value = text.strip()
    return int(value) if re.fullmatch(r"-?\d{1,9}", value) else value


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""
