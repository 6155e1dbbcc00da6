"""On a phone (390 px), in a real browser against `anbu serve`: the officer's own name in the
header, the case that went up to the lead shown as such in the queue, who was told by name,
and a call button a thumb can hit."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from anbu.adapters.formats.officers_csv import read_officers
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.services.accounts import create_user
from anbu.services.officers import import_officers

from builders import at, officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed, sweep_at
from gateways.browser import screenshot
from gateways.kannel import free_ports
from processes import serving

PASSWORD = "correct horse battery staple"
ENROLLED = at("2026-11-01 10:00")
OPENED = at("2026-11-04 10:00")  # a Wednesday, in office hours
OFFICER, LEAD = "wangsimni-doseon-officer-1", "wangsimni-lead"


def test_an_officer_on_a_phone_sees_names_and_how_far_a_case_has_gone(
    anbu: Anbu, cli_env: dict[str, str], phone: Page, tmp_path: Path
) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    staff = (
        officer_row(login=OFFICER, name="김도선"),
        officer_row(login=LEAD, name="이팀장", role="lead", phone="010-9000-0002"),
    )
    import_officers(anbu, read_officers(officers_csv(*staff)), now=ENROLLED, actor="t")
    create_user(
        anbu,
        OFFICER,
        role=Role.OFFICER,
        centres=["왕십리도선동"],
        password=PASSWORD,
        now=ENROLLED,
        actor="t",
    )
    feed(anbu, watermark("SKT", OPENED), now=OPENED)
    sweep_at(anbu, OPENED)
    sweep_at(anbu, OPENED + timedelta(hours=1))  # nobody answered: the lead is told
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log", "--no-background") as base:
        phone.goto(f"{base}/")
        phone.get_by_label("아이디").fill(OFFICER)
        phone.get_by_label("비밀번호").fill(PASSWORD)
        phone.get_by_role("button", name="로그인").click()
        expect(phone.get_by_role("heading", name="확인 대기 중인 알림")).to_be_visible()

        me = phone.locator("header .me")
        expect(me).to_have_text("김도선")
        expect(me.locator("[title]")).to_have_attribute("title", OFFICER)

        row = phone.locator("tr", has_text="SD-0001")
        expect(row.locator(".badge.tier")).to_have_text("팀장에게 상향")
        told = row.locator("td.told")
        expect(told).to_contain_text("김도선")
        expect(told).to_contain_text("이팀장")
        expect(told).not_to_contain_text(LEAD)
        call = row.locator("a.call")
        expect(call).to_have_attribute("href", "tel:+821012345678")
        expect(call).to_be_visible()
        box = call.bounding_box()
        assert box is not None
        assert min(box["height"], box["width"]) >= 44, box  # a thumb's size
        assert box["x"] + box["width"] <= 390, box  # on the screen, not beyond it
        expect(call).to_have_accessible_name(re.compile("김\\*수"))
        screenshot(phone, "queue-names-phone")
