"""One alert, as the officer who must phone or visit opens it from the queue or from a
message: what happened, the person and how to reach them, the timeline, and the actions
(record a call, a visit or a note; close the case with its outcome). Acknowledging and
taking the visit post to the queue's actions."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anbu.domain.alerts import OFFICER_OUTCOMES, VISIT_OUTCOMES, ContactKind, ContactResult
from anbu.domain.kinds import AlertState, Outcome
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web import i18n
from anbu.entrypoints.web.auth import Form, PageUser, anbu_of
from anbu.entrypoints.web.identifiers import RecordId
from anbu.entrypoints.web.templating import templates
from anbu.services import case_views, cases
from anbu.services.accounts import StaffUser
from anbu.services.cases import CaseNotFound, CaseRefused

router = APIRouter(include_in_schema=False)

i18n.add(
    {
        "detail.title": ("알림 상세", "Alert"),
        "detail.back": ("← 확인 대기 목록", "← Queue"),
        "detail.back_feeds": ("← 통신사 자료", "← Feeds"),
        "detail.what": ("무슨 일인가요", "What happened"),
        "detail.kind": ("내용", "What"),
        "detail.level": ("단계", "Level"),
        "detail.reason": ("알림 이유", "Why"),
        "detail.since.no_activity": ("마지막 생존 신호", "Last sign of life"),
        "detail.since.consent": ("모니터링 시작", "Watched since"),
        "detail.since.phone_off": ("휴대전화 꺼진 때", "Phone off since"),
        "detail.since.feed_stale": ("자료가 끊긴 때", "No data since"),
        "detail.since.gateway_down": ("발송 장애 시작", "Failing since"),
        "detail.silent_for": ("지난 시간", "For"),
        "detail.period": ("설정된 기준", "Period set"),
        "detail.period_most": ("최대 무응답 기간", "Longest silence allowed"),
        "detail.crossed_at": ("기준 초과 시각", "Limit crossed at"),
        "detail.opened_at": ("알림 생성", "Alert opened"),
        "detail.centre": ("동주민센터", "Centre"),
        "detail.carrier": ("통신사", "Carrier"),
        "detail.channel": ("발송 수단", "Channel"),
        "detail.state": ("상태", "State"),
        "detail.acknowledged": ("접수", "Acknowledged"),
        "detail.claimed": ("방문 담당", "Visit taken by"),
        "detail.resumed": ("활동 재개", "Activity resumed"),
        "detail.resumed_hint": (
            "알림 뒤에 휴대전화 사용이 확인되었습니다. 안부를 확인하고 종결해 주세요.",
            "The phone was used after the alert. Please check on the person and close the case.",
        ),
        "detail.outcome": ("처리 결과", "Outcome"),
        "detail.person": ("대상자", "Person"),
        "detail.name": ("이름", "Name"),
        "detail.phone": ("전화번호", "Phone"),
        "detail.address": ("주소", "Address"),
        "detail.born": ("출생 연도", "Born"),
        "detail.born_year": ("{year}년생 (만 {age}세)", "{year} (age {age})"),
        "detail.guardian": ("보호자 연락처", "Guardian"),
        "detail.reference": ("관리 번호", "Reference"),
        "detail.withdrawn": (
            "동의 철회로 이 분의 개인정보는 삭제되었습니다.",
            "Consent was withdrawn: this person's data has been deleted.",
        ),
        "detail.audited": (
            "이 화면을 열람한 기록은 감사 기록에 남습니다.",
            "Opening this page is recorded in the audit log.",
        ),
        "detail.call_now": ("전화 걸기", "Call"),
        "detail.actions": ("처리", "Actions"),
        "detail.contact": ("전화·방문 기록", "Record a call or visit"),
        "detail.contact_kind": ("무엇을 했나요", "What did you do"),
        "detail.contact.call": ("전화", "Call"),
        "detail.contact.visit": ("방문", "Visit"),
        "detail.contact.note": ("메모만", "Note only"),
        "detail.contact_result": ("결과", "Result"),
        "detail.result.reached": ("본인과 통화·만남", "Spoke to or saw the person"),
        "detail.result.not_reached": ("연락 안 됨·부재", "No answer, nobody home"),
        "detail.result.other": ("기타 (이웃·가족 등)", "Other (neighbour, family…)"),
        "detail.note": ("메모", "Note"),
        "detail.note_hint": (
            "메모는 암호화되어 저장됩니다.",
            "Notes are stored encrypted.",
        ),
        "detail.save": ("기록", "Save"),
        "detail.resolve": ("종결", "Close the case"),
        "detail.resolve_submit": ("이 결과로 종결", "Close with this outcome"),
        "detail.outcome.safe": ("안전 확인", "Safe"),
        "detail.outcome.hospitalised": ("입원", "Hospitalised"),
        "detail.outcome.deceased": ("사망", "Deceased"),
        "detail.outcome.door_opened": (
            "경찰·소방 협조 개문",
            "Door opened with police or fire services",
        ),
        "detail.outcome.unreachable_visit_needed": (
            "연락 안 됨·방문 필요",
            "Unreachable, visit needed",
        ),
        "detail.visit_needed": ("방문 필요", "Visit needed"),
        "detail.visit_needed_since": ("방문 필요 표시", "Visit needed since"),
        "detail.visited": ("마지막 방문 기록", "Last visit recorded"),
        "detail.visit_needed_hint": (
            "연락이 닿지 않아 방문이 필요합니다. 방문할 분이 '방문 담당'을 눌러 주세요. "
            "방문 담당이 없으면 팀장·당직으로 단계적으로 알립니다.",
            'Nobody could reach the person: someone must go. Press "I\'ll go" to take the '
            "visit; until someone does, the lead and the duty desk are told in turn.",
        ),
        "detail.visit_needed_taken": (
            "{who} 님이 방문을 맡았습니다. 다녀온 뒤 방문 결과를 기록해 주세요.",
            "{who} has taken the visit. Record the visit and its result afterwards.",
        ),
        "detail.visit_needed_closable": (
            "방문(또는 이후 생존 신호)이 기록되었습니다. 방문 결과로 종결할 수 있습니다.",
            "A visit (or a later sign of life) is on record: close the case with its result.",
        ),
        "detail.unreachable": ("연락 안 됨 · 방문 필요", "Unreachable: a visit is needed"),
        "detail.unreachable_hint": (
            "전화·문자로 연락이 닿지 않으면 눌러 주세요. 건은 종결되지 않고 목록 맨 위에 남아, "
            "누군가 방문할 때까지 알림이 이어집니다.",
            "When calls and texts do not reach the person. The case stays open at the top of "
            "the queue, and messages go on until somebody takes the visit.",
        ),
        "detail.unreachable_submit": ("연락 안 됨 · 방문 필요", "Unreachable: visit needed"),
        "detail.resolve_after_visit": (
            "방문을 기록하면(전화·방문 기록에서 '방문') 방문 결과로 종결할 수 있습니다.",
            'Once a visit is recorded (a "Visit" above), the case closes with its result.',
        ),
        "detail.marked_visit_needed": (
            "방문 필요로 표시했습니다. 방문 담당이 정해질 때까지 알림이 이어집니다.",
            "Marked as needing a visit. Messages go on until somebody takes it.",
        ),
        "detail.tl.visit_needed": ("연락 안 됨 · 방문 필요", "Unreachable: visit needed"),
        "detail.step.v": ("방문 요청 {n}차", "visit call #{n}"),
        "detail.outcome.false_alarm": ("오경보", "False alarm"),
        "detail.outcome.feed_recovered": ("자료 회복", "Feed recovered"),
        "detail.outcome.consent_withdrawn": ("동의 철회", "Consent withdrawn"),
        "detail.outcome.checked_in": ("본인 응답", "The person answered"),
        "detail.outcome.superseded": ("새 알림으로 이어짐", "Continued in a new alert"),
        "detail.outcome.gateway_recovered": ("발송 회복", "Channel recovered"),
        "detail.timeline": ("경과", "Timeline"),
        "detail.activity_scope": (
            "휴대전화 활동은 종류와 시각만 보관합니다 (상대방 번호 없음, 90일 보관).",
            "Phone activity is kept as kind and time only (no other party's number; 90 days).",
        ),
        "detail.activity_cut": ("이전 활동 일부는 생략했습니다.", "Older activity is left out."),
        "detail.tl.began.no_activity": ("마지막 생존 신호", "Last sign of life"),
        "detail.tl.began.consent": (
            "모니터링 시작 (동의 시각) — 이후 생존 신호 없음",
            "Monitoring began (consent) — no sign of life since",
        ),
        "detail.tl.began.phone_off": ("휴대전화 꺼짐", "Phone went off"),
        "detail.tl.began.feed_stale": ("통신사 자료 끊김", "Carrier data stopped"),
        "detail.tl.began.gateway_down": ("발송 장애 시작", "Channel started failing"),
        "detail.tl.crossed": ("기준 시간 초과", "Limit crossed"),
        "detail.tl.level": ("평소와 다른 무응답", "Unusual silence"),
        "detail.tl.opened": ("알림 생성", "Alert opened"),
        "detail.tl.acknowledged": ("접수", "Acknowledged"),
        "detail.tl.claim": ("방문 담당", "Took the visit"),
        "detail.tl.release": ("방문 담당 해제", "Gave the visit back"),
        "detail.tl.call": ("전화", "Call"),
        "detail.tl.visit": ("방문", "Visit"),
        "detail.tl.note": ("메모", "Note"),
        "detail.tl.resumed": ("활동 재개 확인", "Activity resumed"),
        "detail.tl.resolved": ("종결", "Closed"),
        "detail.tl.notification": ("알림 발송", "Message"),
        "detail.activity.call_out": ("전화 걺", "Made a call"),
        "detail.activity.call_in": ("전화 받음", "Answered a call"),
        "detail.activity.call_in_missed": ("부재중 전화", "Missed call"),
        "detail.activity.sms_out": ("문자 보냄", "Sent a text"),
        "detail.activity.sms_in": ("문자 받음", "Text received"),
        "detail.activity.data": ("데이터 사용", "Data session"),
        "detail.activity.power_on": ("전원 켜짐", "Phone on"),
        "detail.activity.power_off": ("전원 꺼짐", "Phone off"),
        "detail.activity.checkin": ("안부 응답", "Check-in"),
        "detail.life": ("생존 신호", "sign of life"),
        "detail.recipient.subject": ("대상자 본인", "the person"),
        "detail.recipient.guardian": ("보호자", "guardian"),
        "detail.medium.sms": ("문자", "SMS"),
        "detail.medium.email": ("이메일", "e-mail"),
        "detail.step.u": ("{n}차 알림", "alert #{n}"),
        "detail.step.a": ("연락 확인 {n}차", "contact check #{n}"),
        "detail.step.follow-up": ("활동 재개 안내", "activity resumed"),
        "detail.nstate.queued": ("발송 대기", "queued"),
        "detail.nstate.sent": ("발송됨", "sent"),
        "detail.nstate.delivered": ("수신 확인", "delivered"),
        "detail.nstate.failed": ("실패", "failed"),
        "detail.sent_at": ("발송", "sent"),
        "detail.delivered_at": ("수신", "delivered"),
        "detail.attempt.sent": ("발송", "sent"),
        "detail.attempt.transient": ("일시 오류, 재시도", "temporary error, retrying"),
        "detail.attempt.permanent": ("발송 불가", "refused"),
        "detail.attempt.accepted": ("통신사 접수", "accepted by the carrier"),
        "detail.attempt.delivered": ("수신 확인", "delivered"),
        "detail.attempt.undelivered": ("전달 실패", "undelivered"),
        "detail.attempt.already_sent": ("이미 발송됨", "already sent"),
        "detail.saved": ("기록했습니다.", "Saved."),
        "detail.closed": ("종결했습니다.", "The case is closed."),
        "detail.error.input": ("입력 내용을 확인해 주세요.", "Please check what you entered."),
    }
)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: RecordId, user: PageUser) -> Response:
    return _page(request, alert_id, user)


@router.post("/alerts/{alert_id}/contact")
def contact(request: Request, alert_id: RecordId, user: PageUser, form: Form) -> Response:
    draft = {k: str(form.get(k) or "") for k in ("kind", "result", "note")}
    try:
        kind = ContactKind(draft["kind"])
        result = ContactResult(draft["result"]) if draft["result"] else None
    except ValueError:
        return _page(
            request,
            alert_id,
            user,
            error=_words(user, "detail.error.input"),
            status=422,
            draft=draft,
        )
    return _act(
        request,
        alert_id,
        user,
        "detail.saved",
        draft,
        lambda: cases.record_contact(
            anbu_of(request),
            alert_id,
            by=user.login,
            kind=kind,
            result=None if kind is ContactKind.NOTE else result,
            note=draft["note"],
            now=wall_clock(),
        ),
    )


@router.post("/alerts/{alert_id}/visit-needed")
def visit_needed(request: Request, alert_id: RecordId, user: PageUser, form: Form) -> Response:
    draft = {"visit_note": str(form.get("visit_note") or "")}
    return _act(
        request,
        alert_id,
        user,
        "detail.marked_visit_needed",
        draft,
        lambda: cases.need_visit(
            anbu_of(request), alert_id, by=user.login, note=draft["visit_note"], now=wall_clock()
        ),
    )


@router.post("/alerts/{alert_id}/resolve")
def resolve(request: Request, alert_id: RecordId, user: PageUser, form: Form) -> Response:
    draft = {k: str(form.get(k) or "") for k in ("outcome", "resolve_note")}
    try:
        outcome = Outcome(draft["outcome"])
    except ValueError:
        return _page(
            request,
            alert_id,
            user,
            error=_words(user, "detail.error.input"),
            status=422,
            draft=draft,
        )
    return _act(
        request,
        alert_id,
        user,
        "detail.closed",
        draft,
        lambda: cases.resolve(
            anbu_of(request),
            alert_id,
            outcome,
            by=user.login,
            note=draft["resolve_note"],
            now=wall_clock(),
        ),
    )


def _act(
    request: Request,
    alert_id: int,
    user: StaffUser,
    done: str,
    draft: dict[str, str],
    action: Callable[[], object],
) -> Response:
    """Run the action. Out of reach or missing: 404, as for the page; refused: the page
    again with the reason (409) and what was typed. Done: back to the page (HTMX gets it
    rendered, a plain form a redirect)."""
    try:
        action()
    except CaseNotFound as exc:
        raise HTTPException(404, "not found") from exc
    except CaseRefused as exc:
        error = i18n.refusal(exc.reason, user.language)
        return _page(request, alert_id, user, error=error, status=409, draft=draft)
    if request.headers.get("HX-Request"):
        return _page(request, alert_id, user, notice=_words(user, done))
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


def _page(
    request: Request,
    alert_id: int,
    user: StaffUser,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
    draft: dict[str, str] | None = None,
) -> Response:
    try:
        found = case_views.detail(anbu_of(request), alert_id, user, wall_clock())
    except CaseNotFound as exc:
        raise HTTPException(404, "not found") from exc
    return templates.TemplateResponse(
        request,
        "alert.html",
        {
            "user": user,
            "section": "queue" if found.person is not None else "feeds",
            "case": found.situation,
            "person": found.person,
            "timeline": found.timeline,
            "activity_since": found.activity_since,
            "activity_cut": found.activity_cut,
            "staff_names": found.staff_names,
            "outcomes": (
                VISIT_OUTCOMES
                if found.situation.state is AlertState.VISIT_NEEDED
                else OFFICER_OUTCOMES
            ),
            "contact_kinds": list(ContactKind),
            "contact_results": list(ContactResult),
            "error": error,
            "notice": notice,
            "draft": draft or {},
        },
        status_code=status,
    )


def _words(user: StaffUser, key: str) -> str:
    return i18n.translate(key, user.language)
