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

from anbu.adapters import catalogue
from anbu.domain.escalation import (
    MAX_TIERS,
    Audience,
    EscalationPolicy,
    PolicyError,
)
from anbu.domain.kinds import Detection, Group, Role
from anbu.domain.subjects import GroupPeriods
from anbu.entrypoints.clock import wall_clock
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
            request,
            user,
            centre_id,
            period_values=values,
            errors={exc.field: catalogue.say(exc.reason, user.language)},
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
                reason = catalogue.say(exc.reason, user.language)
                errors = {_form_field(exc.field, used): reason}
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
