"""The pages' words, Korean first and English second. A missing English word falls back to
the Korean, never to the key."""

from __future__ import annotations

from anbu.domain import passwords

WORDS: dict[str, tuple[str, str]] = {
    "app": ("안부", "Anbu"),
    "nav.queue": ("확인 대기", "Queue"),
    "nav.people": ("대상자", "People"),
    "nav.enrol": ("등록", "Enrol"),
    "nav.reports": ("보고서", "Reports"),
    "nav.centres": ("센터 설정", "Centre settings"),
    "nav.feeds": ("통신사 자료", "Feeds"),
    "nav.audit": ("감사 기록", "Audit log"),
    "logout": ("로그아웃", "Log out"),
    "login.title": ("로그인", "Log in"),
    "login.login": ("아이디", "Login"),
    "login.password": ("비밀번호", "Password"),
    "login.submit": ("로그인", "Log in"),
    "login.invalid": ("아이디 또는 비밀번호가 맞지 않습니다.", "Wrong login or password."),
    "login.too_long": (
        f"비밀번호가 너무 깁니다. 비밀번호는 {passwords.LONGEST}자를 넘을 수 없습니다.",
        f"The password is too long: a password has at most {passwords.LONGEST} characters.",
    ),
    "login.throttled": (
        "로그인 시도가 너무 많습니다. 15분 뒤에 다시 시도해 주세요.",
        "Too many attempts. Please try again in 15 minutes.",
    ),
    "language": ("English", "한국어"),
    "queue.title": ("확인 대기 중인 알림", "Alerts waiting for a check"),
    "queue.empty": ("지금 확인할 알림이 없습니다.", "No alerts need checking now."),
    "queue.person": ("대상자", "Person"),
    "queue.what": ("내용", "What"),
    "queue.silent_for": ("마지막 신호 이후", "Since last sign of life"),
    "queue.state": ("상태", "State"),
    "queue.claimed": ("담당", "Taken by"),
    "queue.actions": ("처리", "Actions"),
    "action.ack": ("접수", "Acknowledge"),
    "action.claim": ("방문 담당", "I'll go"),
    "action.release": ("담당 해제", "Release"),
    "action.open": ("자세히", "Details"),
    "state.open": ("새 알림", "New"),
    "state.notified": ("알림 발송", "Notified"),
    "state.acknowledged": ("접수됨", "Acknowledged"),
    "state.visit_needed": ("방문 필요", "Visit needed"),
    "state.resolved": ("종결", "Closed"),
    "level.attention": ("관심", "Attention"),
    "level.caution": ("주의", "Caution"),
    "level.serious": ("심각", "Serious"),
    "kind.no_activity": ("통화 없음", "No calls"),
    "kind.phone_off": ("휴대전화 꺼짐", "Phone off"),
    "kind.feed_stale": ("통신사 자료 지연", "Carrier feed late"),
    "kind.gateway_down": ("발송 장애", "Channel down"),
    "error.not_found": ("찾을 수 없습니다.", "Not found."),
    # Visit information: emergency contacts, notes and map links (issue 14, visit).
    "visit.title": ("방문 정보", "For a visit"),
    "visit.contacts": ("비상 연락처", "Emergency contacts"),
    "visit.no_contacts": ("등록된 비상 연락처가 없습니다.", "No emergency contacts."),
    "visit.notes": ("방문 메모", "Visit notes"),
    "visit.notes.hint": (
        "(현관 비밀번호, 건강 상태, 반려동물 등 · 500자까지)",
        "(entry code, health, pets… · up to 500 characters)",
    ),
    "visit.no_notes": ("방문 메모가 없습니다.", "No visit notes."),
    "visit.map.kakao": ("카카오맵에서 주소 보기", "Address in Kakao Map"),
    "visit.map.geo": ("다른 지도 앱 (안드로이드)", "Other map app (Android)"),
    "visit.relation.family": ("가족", "Family"),
    "visit.relation.neighbour": ("이웃", "Neighbour"),
    "visit.relation.tongjang": ("통장", "Tongjang (neighbourhood head)"),
    "visit.relation.other": ("기타", "Other"),
    "visit.edit": ("비상 연락처·방문 메모 고치기", "Edit contacts and notes"),
    "visit.contact": ("비상 연락처", "Contact"),
    "visit.contact.name": ("이름", "Name"),
    "visit.contact.relation": ("관계", "Relation"),
    "visit.contact.phone": ("전화번호", "Phone"),
    "visit.save": ("저장", "Save"),
    "visit.saved": ("방문 정보를 저장했습니다.", "Saved."),
    "visit.withdrawn": (
        "동의를 철회한 분이라 방문 정보가 없습니다.",
        "Consent was withdrawn: no visit information is kept.",
    ),
    "visit.field.name": ("비상 연락처 {n} 이름", "Contact {n} name"),
    "visit.field.relation": ("비상 연락처 {n} 관계", "Contact {n} relation"),
    "visit.field.phone": ("비상 연락처 {n} 전화번호", "Contact {n} phone"),
    "visit.field.visit_notes": ("방문 메모", "Visit notes"),
    # The person's activity chart: consent, alerts, threshold.
    "people.chart.before_consent": ("동의 전", "Before consent"),
    "people.chart.alert": ("{at} 알림 발생 ({kind})", "Alert opened {at} ({kind})"),
    "people.chart.threshold": ("기준 {span}", "Limit {span}"),
    "people.chart.threshold.desc": (
        "빨간 가로선은 기준 {span}: 마지막 생존 신호({base})부터 {ends}까지입니다.",
        "The red line is the {span} limit: from the last sign of life ({base}) to {ends}.",
    ),
    # Why a case refused an action (`anbu.domain.alerts.Refusal`), for the person acting.
    "refusal.closed": ("이미 종결된 건입니다.", "This case is already closed."),
    "refusal.already_acknowledged": (
        "이미 다른 담당자가 접수했거나 종결된 건입니다.",
        "Someone has already acknowledged this case, or it is closed.",
    ),
    "refusal.already_visit_needed": (
        "이미 방문 필요로 표시된 건입니다.",
        "This case is already waiting for a visit.",
    ),
    "refusal.taken": (
        "이미 다른 담당자가 방문을 맡았습니다.",
        "Someone else has already taken the visit.",
    ),
    "refusal.already_yours": ("이미 맡은 방문입니다.", "You have already taken this visit."),
    "refusal.not_yours": ("맡은 건이 아닙니다.", "You have not taken this visit."),
    "refusal.nobody_to_visit": (
        "이 알림에는 방문할 대상자가 없습니다. 메모만 남길 수 있습니다.",
        "Nobody to visit for this alert: notes only.",
    ),
    "refusal.closes_itself": (
        "통신사 자료·발송 장애 알림은 회복되면 저절로 종결됩니다.",
        "An alert about a feed or a channel closes itself on recovery.",
    ),
    "refusal.not_an_officer_outcome": ("처리 결과를 골라 주세요.", "Please choose an outcome."),
    "refusal.not_a_system_outcome": ("처리 결과를 골라 주세요.", "Please choose an outcome."),
    "refusal.visit_outcome_needed": (
        "방문이 필요했던 건은 방문 결과(안전 확인·입원·사망·개문)로 종결합니다.",
        "A case that needed a visit closes with the visit's result.",
    ),
    "refusal.visit_first": (
        "방문 기록(또는 이후의 생존 신호)이 있어야 종결할 수 있습니다. 먼저 방문을 기록해 주세요.",
        "Record the visit first (or wait for a sign of life): then the case can be closed.",
    ),
    "refusal.result_needed": (
        "전화나 방문의 결과를 골라 주세요.",
        "Please choose the call's or visit's result.",
    ),
    "refusal.note_too_long": (
        "메모는 2,000자까지 쓸 수 있습니다.",
        "A note is at most 2,000 characters.",
    ),
    "refusal.no_plan": ("처리할 수 없는 요청입니다.", "This cannot be done."),
    "refusal.not_resumed": ("처리할 수 없는 요청입니다.", "This cannot be done."),
    "error.forbidden": (
        "요청을 처리할 수 없습니다. 화면을 새로 고쳐 주세요.",
        "Request refused; please reload the page.",
    ),
    # Pages that fit a phone (issue 14): the menu on a narrow screen, a period still counting.
    "nav.menu": ("메뉴", "Menu"),
    "chart.unfinished": ("집계 중", "Counting"),
    "unit.minutes": ("분", " min"),
    "unit.hours": ("시간", " h"),
    "unit.days": ("일", " d"),
    # Codes in words, for the commands (`anbu alerts list`, `notifications list`, `feeds
    # list`, `subjects list`) and the demo, so that a command says what a page says.
    "outcome.safe": ("안전 확인", "Safe"),
    "outcome.hospitalised": ("입원", "Hospitalised"),
    "outcome.deceased": ("사망", "Deceased"),
    "outcome.door_opened": ("경찰·소방 협조 개문", "Door opened with police/fire"),
    "outcome.false_alarm": ("오경보", "False alarm"),
    "outcome.unreachable_visit_needed": ("연락 안 됨·방문 필요", "Unreachable, visit needed"),
    "outcome.feed_recovered": ("통신사 자료 복구", "Carrier feed recovered"),
    "outcome.consent_withdrawn": ("동의 철회", "Consent withdrawn"),
    "outcome.checked_in": ("본인 응답", "The person answered"),
    "outcome.superseded": ("새 알림으로 이어짐", "Continued in a new alert"),
    "outcome.gateway_recovered": ("발송 복구", "Channel recovered"),
    "notification.queued": ("발송 대기", "Queued"),
    "notification.sent": ("발송됨", "Sent"),
    "notification.delivered": ("수신 확인", "Delivered"),
    "notification.failed": ("실패", "Failed"),
    "medium.sms": ("문자", "Text"),
    "medium.email": ("이메일", "E-mail"),
    "recipient.staff": ("직원", "Staff"),
    "recipient.subject": ("대상자 본인", "The person"),
    "recipient.guardian": ("보호자", "Guardian"),
    "detection.fixed": ("고정 기준", "Fixed period"),
    "detection.personal": ("개인 맞춤", "Personal rhythm"),
    "subject.active": ("관찰 중", "Watched"),
    "subject.withdrawn": ("동의 철회", "Consent withdrawn"),
    "subject.paused": ("일시 중지", "Paused"),
    "subject.no_sign": ("등록 후 신호 없음", "None since consent"),
    "feed.ok": ("정상", "OK"),
    "feed.stale": ("지연", "Late"),
    "feed.never": ("자료 없음", "Never reported"),
    # People by name, and what the queue tells of each case (issue 14: names): the tier the
    # case has reached (`anbu.domain.escalation.Audience`), who was told, a call button.
    "staff.name": ("이름", "Name"),
    "queue.told": ("알림 받은 사람", "Told"),
    "queue.tier.centre": ("담당자", "Centre officers"),
    "queue.tier.leads": ("팀장에게 상향", "Escalated to the lead"),
    "queue.tier.duty": ("당직실", "Duty desk"),
    "queue.tier.subject": ("본인 확인 문자", "Self-check text to the person"),
    "queue.not_told": ("아직 알림 전", "Nobody told yet"),
    "queue.told.queued": ("발송 대기", "queued"),
    "queue.told.failed": ("발송 실패", "failed"),
    "queue.call": ("전화", "Call"),
    "queue.call_label": ("{name} 님께 전화 걸기 ({phone})", "Call {name} ({phone})"),
    # issue 14, centre-reports
    "enrol.typos": ("확인이 필요한 센터 이름", "Centre names to check"),
    "enrol.typo_help": (
        "등록된 센터와 비슷하지만 같지 않은 이름입니다. 오타라면 등록된 이름을 쓰고, "
        "정말 새 센터라면 새로 만드세요. 정하기 전까지 그 줄은 저장하지 않습니다.",
        "Close to a centre on file but not the same. If it is a typo, use the name on file; "
        "if it really is a new centre, create it. Until then its rows are not saved.",
    ),
    "enrol.typo_unknown": ("없는 센터", "Not on file"),
    "enrol.use_name": ("{name}(으)로 바꾸기", "Use {name}"),
    "enrol.allow_new": ("새 센터로 만들기", "Create it as a new centre"),
    "enrol.choices": ("정한 센터 이름", "Centre names decided"),
    "enrol.choice_renamed": ("→", "→"),
    "enrol.choice_new": ("새 센터로 만듦", "created as a new centre"),
    "enrol.centres_created": ("새로 만든 센터", "Centres created"),
    "reports.sheet.centres": ("센터별 100명당", "Per centre per 100"),
    "reports.sheet.trend": ("주별 추이", "Weekly trend"),
    "reports.centres": ("센터별 100명당 현황", "Per centre, per 100 enrolled"),
    "reports.centres_note": (
        "이 기간에 열린 알림을 지금 등록된 100명당으로 나눈 값입니다. 작은 글씨는 건수입니다. "
        "진행 중은 아직 종결되지 않은 건, 방문 필요는 방문이 필요했던 건입니다.",
        "The alerts opened in this period per 100 people enrolled now; the small figure is "
        "the count. Open: not closed yet; visit needed: cases that came to need a visit.",
    ),
    "reports.enrolled": ("등록 인원", "Enrolled"),
    "reports.alerts_count": ("알림", "Alerts"),
    "reports.false_alarms": ("오경보", "False alarms"),
    "reports.open_cases": ("진행 중", "Open"),
    "reports.visit_needed": ("방문 필요", "Visit needed"),
    "reports.per_hundred": ("100명당", "per 100"),
    "reports.count_suffix": ("건", ""),
    "reports.to_contact": ("첫 연락까지 (중앙값)", "To first contact (median)"),
    "reports.trend": ("주별 추이", "Weekly trend"),
    "reports.trend_note": (
        "주마다 열린 알림과 그 결과입니다. 구 전체 아래에 센터별 추이가 있습니다.",
        "The alerts opened each week and how they stand; each centre's below the whole.",
    ),
    "reports.trend_of": ("{centre} 주별 추이", "{centre}: weekly trend"),
}


def translate(key: str, language: str) -> str:
    korean, english = WORDS.get(key, (key, key))
    return english if language == "en" else korean


def refusal(reason: str, language: str) -> str:
    """Why a case refused an action, in the reader's language."""
    return translate(f"refusal.{reason}", language)


def add(words: dict[str, tuple[str, str]]) -> None:
    """A page module's own words (Korean, English); a key may be defined once only."""
    clash = set(words) & set(WORDS)
    if clash:
        raise ValueError(f"words defined twice: {sorted(clash)}")
    WORDS.update(words)
