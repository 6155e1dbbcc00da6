"""The pages' words, Korean first and English second. A missing English word falls back to
the Korean, never to the key."""

from __future__ import annotations

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
    "state.resolved": ("종결", "Closed"),
    "kind.no_activity": ("통화 없음", "No calls"),
    "kind.phone_off": ("휴대전화 꺼짐", "Phone off"),
    "kind.feed_stale": ("통신사 자료 지연", "Carrier feed late"),
    "kind.gateway_down": ("발송 장애", "Channel down"),
    "error.not_found": ("찾을 수 없습니다.", "Not found."),
    "error.forbidden": (
        "요청을 처리할 수 없습니다. 화면을 새로 고쳐 주세요.",
        "Request refused; please reload the page.",
    ),
}


def translate(key: str, language: str) -> str:
    korean, english = WORDS.get(key, (key, key))
    return english if language == "en" else korean


def add(words: dict[str, tuple[str, str]]) -> None:
    """A page module's own words (Korean, English); a key may be defined once only."""
    clash = set(words) & set(WORDS)
    if clash:
        raise ValueError(f"words defined twice: {sorted(clash)}")
    WORDS.update(words)
