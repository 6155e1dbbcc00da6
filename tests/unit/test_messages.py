"""What a notification says about a person: enough to act, the least to expose."""

from __future__ import annotations

from anbu.domain.kinds import AlertKind, Carrier
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
