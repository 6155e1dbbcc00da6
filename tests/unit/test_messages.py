"""What a notification says about a person: enough to act, the least to expose."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser

from anbu.domain.alerts import Alert
from anbu.domain.detection import Reason, Rule
from anbu.domain.escalation import EscalationPolicy
from anbu.domain.kinds import AlertKind, Carrier
from anbu.domain.rhythm import Level
from anbu.domain.subjects import mask_name
from anbu.services import messages

from builders import at


def test_it_masks_names_as_officers_expect() -> None:
    assert [mask_name(n) for n in ("김영수", "이순", "남궁민수", "김")] == [
        "김*수",
        "이*",
        "남**수",
        "김",
    ]


def test_it_says_who_where_what_and_since_when_for_silence() -> None:
    subject, text = messages.subject_alert(
        AlertKind.NO_ACTIVITY,
        centre="마장동",
        masked_name="김*수",
        reference="SD-0001",
        since=at("2026-11-24 14:02"),
        hours=48,
    )
    assert subject == "[안부] 마장동 김*수 님 48시간 통화 없음"
    assert "김*수(SD-0001)" in text
    assert "마지막 신호 11월 24일 14:02" in text


def test_it_says_since_when_the_phone_is_off() -> None:
    _, text = messages.subject_alert(
        AlertKind.PHONE_OFF,
        centre="마장동",
        masked_name="김*",
        reference="SD-2",
        since=at("2026-11-24 23:30"),
        hours=24,
    )
    assert "휴대전화 24시간 꺼짐" in text
    assert "11월 24일 23:30부터" in text


def test_it_tells_operators_which_feed_is_late() -> None:
    subject, text = messages.feed_alert(Carrier.KT, at("2026-11-24 06:00"))
    assert subject == "[안부 운영] 통신사 KT 자료 지연"
    assert "11월 24일 06:00까지" in text


# The e-mail's HTML alternative

ACK_URL = "https://anbu.seongdong.example/a/17.3.1764500000.c2lnbmF0dXJl"


class _Page(HTMLParser):
    """What a mail client would make of the HTML: its elements and links, and the text of
    its body as a reader sees it (a line break for `<br>`, a blank line after a paragraph;
    the markup's own newlines are only whitespace)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.links: list[tuple[str | None, str]] = []
        self.text = ""
        self._in_body = False
        self._href: str | None = None
        self._link_text: str | None = None
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        self._in_body |= tag == "body"
        if tag == "a":
            self._href, self._link_text = dict(attrs).get("href"), ""
        if tag == "br":
            self.text += "\n"

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link_text is not None:
            self.links.append((self._href, self._link_text))
            self._link_text = None
        if tag == "p":
            self.text += "\n\n"

    def handle_data(self, data: str) -> None:
        if self._in_body:
            self.text += data.replace("\n", "")
        if self._link_text is not None:
            self._link_text += data


def alert_text(masked_name: str = "김*수") -> tuple[str, str]:
    subject, text = messages.subject_alert(
        AlertKind.NO_ACTIVITY,
        centre="마장동",
        masked_name=masked_name,
        reference="SD-0001",
        since=at("2026-11-24 14:02"),
        hours=48,
    )
    return subject, f"{text}\n확인(접수): {ACK_URL}"


def test_the_html_escapes_markup_in_the_text() -> None:
    subject, text = alert_text(masked_name="<script>alert(1)</script>")
    markup = messages.email_html(subject, text)
    page = _Page(markup)
    assert "script" not in page.tags
    assert "<script>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;(SD-0001)" in markup
    assert "<script>alert(1)</script>(SD-0001)" in page.text  # shown as the words it was


def test_the_acknowledgement_line_is_a_button_to_the_link() -> None:
    page = _Page(messages.email_html(*alert_text()))
    assert page.links == [(ACK_URL, "확인(접수)하기")]
    assert ACK_URL in page.text  # the address is there to read, too


def test_the_line_breaks_of_the_text_are_kept() -> None:
    page = _Page(messages.email_html("제목", "첫째 줄\n둘째 줄\n\n새 문단"))
    assert page.text == "첫째 줄\n둘째 줄\n\n새 문단\n\n"


def test_an_address_in_the_text_is_a_link_without_the_full_stop_after_it() -> None:
    page = _Page(messages.email_html("제목", "안내: https://anbu.example/help. 끝"))
    assert page.links == [("https://anbu.example/help", "https://anbu.example/help")]
    assert "https://anbu.example/help. 끝" in page.text


def test_a_quote_in_an_address_cannot_open_an_attribute() -> None:
    page = _Page(messages.email_html("제목", 'https://x.example/a"onmouseover="alert(1)'))
    assert page.links == [("https://x.example/a", "https://x.example/a")]
    assert [name for name, _ in page.attributes if name.startswith("on")] == []


def test_the_html_is_korean_titled_and_self_contained() -> None:
    subject, text = alert_text()
    markup = messages.email_html(subject, text)
    page = _Page(markup)
    assert '<html lang="ko">' in markup
    assert f"<title>{subject}</title>" in markup
    # No styles or scripts to fetch, no pixel, nothing but the link the text holds.
    assert {"img", "link", "script", "style", "iframe", "object"}.isdisjoint(page.tags)
    assert [name for name, _ in page.attributes if name in ("src", "srcset", "background")] == []
    assert [href for href, _ in page.links] == [ACK_URL]


def _personal_alert(**reason: object) -> Alert:
    base = at("2026-11-24 08:00")
    why = Reason(
        Rule.PERSONAL,
        timedelta(hours=96),
        silent_for=timedelta(hours=14),
        expected=6.2,
        usual_quiet=timedelta(hours=9),
        missed_calls=2,
    )
    return Alert.for_person(
        subject_id=1,
        centre_id=1,
        carrier=Carrier.SKT,
        kind=AlertKind.NO_ACTIVITY,
        base_at=base,
        due_at=base + timedelta(hours=14),
        now=base + timedelta(hours=14),
        policy=EscalationPolicy(),
        levels=((Level.CAUTION, base + timedelta(hours=14)),),
        reason=replace(why, **reason),  # type: ignore[arg-type]
    )


def test_a_personal_alert_says_why_in_full_and_in_a_few_words() -> None:
    alert = _personal_alert()
    assert messages.explain(alert) == (
        "평소 이 시간대에는 통화·문자가 6회쯤 있는데 14시간째 기록이 없습니다"
        " (평소 가장 긴 공백 9시간), 받지 않은 전화 2통"
    )
    assert messages.explain_short(alert) == "14시간째 무응답 (평소 최장 9시간), 부재중 2통"
    at_the_maximum = _personal_alert(silent_for=timedelta(hours=96), missed_calls=0)
    assert messages.explain_short(at_the_maximum) == "설정 최대 4일 무응답"


def test_a_fixed_rule_alert_says_its_period() -> None:
    alert = replace(_personal_alert(), reason=Reason(Rule.FIXED, timedelta(hours=48)))
    assert messages.explain(alert) == messages.explain_short(alert)
    assert "48시간" in messages.explain(alert)
