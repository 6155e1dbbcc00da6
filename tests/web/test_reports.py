"""The reports page and its CSV exports: numbers as constructed, each centre's own, audited."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from anbu.adapters.storage.tables import alerts, audit_log, subjects
from anbu.bootstrap import Anbu
from anbu.domain.alerts import ContactKind, ContactResult
from anbu.domain.kinds import Outcome, Role
from anbu.entrypoints.web import report_charts
from anbu.entrypoints.web.pages import reports as reports_page
from anbu.services import cases
from anbu.services.accounts import StaffUser, create_user

from builders import at, subject_row, watermark
from conftest import CENTRE_A, CENTRE_B, ENROLLED, OPENED, PASSWORD, District, log_in
from flows import enrol_rows, feed, sweep_at

LATER = at("2026-11-05 10:00")
ALL_TABLES = ["alerts_per_week", "centres", "enrolment", "outcomes", "timings", "trend"]
NOW = at("2026-11-20 12:00")  # a Friday: the last 4 weeks start on Monday 26 October


@dataclass(frozen=True, slots=True)
class Answered:
    a1: int  # SD-0001, centre A: acknowledged after 10 min, visited after 1 h, false alarm
    a3: int  # SD-0003, centre A: acknowledged after 30 min, safe
    a4: int  # SD-0004, centre A: acknowledged after 2 h, still open
    b2: int  # SD-0002, centre B: never acknowledged


@pytest.fixture
def answered(anbu: Anbu, district: District, monkeypatch: pytest.MonkeyPatch) -> Answered:
    """Two more people in centre A (aged 46 and 31) fall silent a day later; the officer
    answers the three alerts of centre A at known times."""
    enrol_rows(
        anbu,
        subject_row(
            external_id="SD-0003", name="이민호", phone="010-3333-4444", birth_date="1980-05-05"
        ),
        subject_row(
            external_id="SD-0004", name="최영희", phone="010-4444-5555", birth_date="1995-01-01"
        ),
        now=ENROLLED,
    )
    feed(anbu, watermark("SKT", LATER), now=LATER)
    sweep_at(anbu, LATER)
    a3, a4 = _alert_of(anbu, "SD-0003"), _alert_of(anbu, "SD-0004")
    kim = StaffUser(0, "kim.a", Role.OFFICER, frozenset())
    cases.acknowledge(anbu, district.alert_a, by="kim.a", now=OPENED + timedelta(minutes=10))
    cases.record_contact(
        anbu,
        district.alert_a,
        by=kim.login,
        kind=ContactKind.VISIT,
        result=ContactResult.REACHED,
        note="",
        now=OPENED + timedelta(hours=1),
    )
    cases.resolve(
        anbu,
        district.alert_a,
        Outcome.FALSE_ALARM,
        by="kim.a",
        note="휴대전화 분실",
        now=OPENED + timedelta(hours=2),
    )
    cases.acknowledge(anbu, a3, by="kim.a", now=LATER + timedelta(minutes=30))
    cases.resolve(anbu, a3, Outcome.SAFE, by="kim.a", note="", now=LATER + timedelta(hours=1))
    cases.acknowledge(anbu, a4, by="kim.a", now=LATER + timedelta(hours=2))
    monkeypatch.setattr(reports_page, "wall_clock", lambda: NOW)
    return Answered(district.alert_a, a3, a4, district.alert_b)


def test_an_officer_sees_their_centres_alerts_per_week_only(
    client: TestClient, answered: Answered
) -> None:
    log_in(client, "kim.a")
    page = client.get("/reports?weeks=4")
    assert page.status_code == 200
    assert CENTRE_B not in page.text
    assert _table(page.text, "alerts-by-centre") == [
        [CENTRE_A, "3", "0", "3"],
        ["전체", "3", "0", "3"],
    ]
    # Figures may be a minute old (ANBU_REPORT_CACHE_SECONDS): the page says when counted.
    assert re.search(r"집계 시각 \d\d:\d\d", page.text)


def test_an_administrator_sees_every_centre(client: TestClient, answered: Answered) -> None:
    log_in(client, "admin")
    rows = _table(client.get("/reports?weeks=4").text, "alerts-by-centre")
    assert rows == [
        [CENTRE_B, "1", "0", "1"],
        [CENTRE_A, "3", "0", "3"],
        ["전체", "4", "0", "4"],
    ]


def test_the_duty_desk_sees_every_centre_and_a_lead_their_own(
    client: TestClient, anbu: Anbu, answered: Answered
) -> None:
    for login, role, centres in (("duty", Role.DUTY, []), ("lee.lead", Role.LEAD, [CENTRE_B])):
        create_user(
            anbu, login, role=role, centres=centres, password=PASSWORD, now=ENROLLED, actor="t"
        )
    log_in(client, "duty")
    duty = _table(client.get("/reports?weeks=4").text, "alerts-by-centre")
    assert [row[0] for row in duty] == [CENTRE_B, CENTRE_A, "전체"]
    client.cookies.clear()
    log_in(client, "lee.lead")
    lead = _table(client.get("/reports?weeks=4").text, "alerts-by-centre")
    assert lead == [[CENTRE_B, "1", "0", "1"], ["전체", "1", "0", "1"]]


def test_the_times_to_acknowledge_and_to_visit_are_as_constructed(
    client: TestClient, answered: Answered
) -> None:
    log_in(client, "kim.a")
    rows = _table(client.get("/reports?weeks=4").text, "timings")
    # Acknowledged after 10, 30 and 120 minutes: median 30; 90 %: 30 + 0.8 × 90 = 102.
    # One visit, an hour after the alert opened.
    assert rows[0] == [CENTRE_A, "3", "30분", "1시간 42분", "1", "1시간", "1시간"]


def test_the_false_alarm_share_counts_the_cases_officers_closed(
    client: TestClient, answered: Answered
) -> None:
    log_in(client, "admin")
    rows = {row[0]: row for row in _table(client.get("/reports?weeks=4").text, "outcomes")}
    # safe, hospitalised, deceased, unreachable, false alarm, replied, superseded, withdrawn,
    # open, total
    assert rows[CENTRE_A][1:] == ["1", "0", "0", "0", "1", "0", "0", "0", "1", "3", "50.0%"]
    assert rows[CENTRE_B][1:] == ["0", "0", "0", "0", "0", "0", "0", "0", "1", "1", "—"]
    assert rows["전체"][-1] == "50.0%"


def test_enrolment_is_counted_by_age_band_per_centre(
    client: TestClient, answered: Answered
) -> None:
    log_in(client, "admin")
    rows = _table(client.get("/reports?weeks=4").text, "enrolment")
    # under 40, 40–59, 60–74, 75 and over, total
    assert rows == [
        [CENTRE_B, "0", "0", "0", "1", "1"],
        [CENTRE_A, "1", "1", "0", "1", "3"],
        ["전체", "1", "1", "0", "2", "4"],
    ]


def test_a_longer_period_reaches_further_back(
    client: TestClient, anbu: Anbu, answered: Answered, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports_page, "wall_clock", lambda: NOW + timedelta(weeks=6))
    log_in(client, "kim.a")
    short = _table(client.get("/reports?weeks=4").text, "alerts-by-centre")
    longer = _table(client.get("/reports?weeks=12").text, "alerts-by-centre")
    assert (short[-1][-1], longer[-1][-1]) == ("0", "3")


def test_the_charts_are_described_for_screen_readers(
    client: TestClient, answered: Answered
) -> None:
    log_in(client, "kim.a")
    text = client.get("/reports?weeks=4").text
    assert text.count('role="img"') == 6  # three charts, each drawn for a desk and a phone
    assert '<title id="chart-alerts-title">주별 알림</title>' in text
    assert "4주 동안 3건. 가장 많은 주: 11/02 (3건)." in text
    assert "<script" not in text.split("</head>")[1]


def test_the_charts_escape_every_label() -> None:
    svg = report_charts.columns(
        "k<1>",
        title="<b>주</b>",
        description="a & b",
        categories=["<img src=x>"],
        series=[report_charts.Series("<script>", [3])],
    )
    assert "<b>" not in svg
    assert "<script>" not in svg
    assert "<img" not in svg
    assert "&lt;b&gt;주&lt;/b&gt;" in svg
    assert 'aria-labelledby="k-1--title k-1--desc"' in svg


def test_the_alerts_export_opens_in_excel_with_every_week(
    client: TestClient, answered: Answered
) -> None:
    log_in(client, "kim.a")
    answer = client.get("/reports.csv?table=alerts_per_week&weeks=4")
    assert answer.status_code == 200
    assert answer.content.startswith(b"\xef\xbb\xbf")
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert _csv(answer.content) == [
        ["주 (월요일부터)", "센터", "통화 없음", "휴대전화 꺼짐", "합계"],
        ["2026-10-26", CENTRE_A, "0", "0", "0"],
        ["2026-11-02", CENTRE_A, "3", "0", "3"],
        ["2026-11-09", CENTRE_A, "0", "0", "0"],
        ["2026-11-16", CENTRE_A, "0", "0", "0"],
    ]


def test_the_timings_export_gives_minutes(client: TestClient, answered: Answered) -> None:
    log_in(client, "kim.a")
    rows = _csv(client.get("/reports.csv?table=timings&weeks=4").content)
    assert rows[0][0] == "센터"
    assert rows[1] == [CENTRE_A, "3", "30.0", "102.0", "1", "60.0", "60.0"]
    assert rows[2][0] == "전체"


def test_the_outcomes_and_enrolment_exports(client: TestClient, answered: Answered) -> None:
    log_in(client, "admin")
    outcomes = _csv(client.get("/reports.csv?table=outcomes&weeks=4").content)
    assert outcomes[0][-1] == "오경보 비율 (%)"
    assert [CENTRE_A, "1", "0", "0", "0", "1", "0", "0", "0", "1", "3", "50.0"] in outcomes
    enrolment = _csv(client.get("/reports.csv?table=enrolment&weeks=4").content)
    assert enrolment[0] == ["센터", "40세 미만", "40–59세", "60–74세", "75세 이상", "합계"]
    assert enrolment[-1] == ["전체", "1", "1", "0", "2", "4"]


def test_each_centre_per_100_enrolled_on_the_page(client: TestClient, answered: Answered) -> None:
    log_in(client, "admin")
    rows = _table(client.get("/reports?weeks=4").text, "per-centre")
    # Centre A: 3 enrolled, 3 alerts (a false alarm visited after an hour, a safe, one
    # open); centre B: 1 enrolled, 1 alert nobody answered.
    assert rows == [
        [CENTRE_B, "1", "100.0 1건", "0.0 0건", "100.0 1건", "0.0 0건", "—"],
        [CENTRE_A, "3", "100.0 3건", "33.3 1건", "33.3 1건", "0.0 0건", "1시간"],
        ["전체", "4", "100.0 4건", "25.0 1건", "50.0 2건", "0.0 0건", "1시간"],
    ]


def test_the_per_centre_and_trend_exports(client: TestClient, answered: Answered) -> None:
    log_in(client, "admin")
    centres = _csv(client.get("/reports.csv?table=centres&weeks=4").content)
    assert centres[0] == [
        "센터",
        "등록 인원",
        "알림",
        "알림 100명당",
        "오경보",
        "오경보 100명당",
        "진행 중",
        "진행 중 100명당",
        "방문 필요",
        "방문 필요 100명당",
        "첫 연락까지 (중앙값) (분)",
    ]
    assert centres[2] == [CENTRE_A, "3", "3", "100.0", "1", "33.3", "1", "33.3", "0", "0.0", "60.0"]
    assert centres[1][-1] == ""  # nobody called in centre B
    trend = _csv(client.get("/reports.csv?table=trend&weeks=4").content)
    assert trend[0][:3] == ["주 (월요일부터)", "센터", "등록 인원"]
    assert trend[0][-1] == "첫 연락까지 (중앙값) (분)"
    assert len(trend) == 1 + 4 * 3  # the district then each centre, each week
    counts = ["4", "100.0", "1", "25.0", "2", "50.0", "0", "0.0"]
    assert ["2026-11-02", "전체", "4", *counts, "60.0"] in trend
    counts = ["1", "100.0", "0", "0.0", "1", "100.0", "0", "0.0"]
    assert ["2026-11-02", CENTRE_B, "1", *counts, ""] in trend  # nobody called
    counts = ["0", "0.0", "0", "0.0", "0", "0.0", "0", "0.0"]
    assert ["2026-11-16", CENTRE_A, "3", *counts, ""] in trend


def test_the_trend_folds_each_centre_under_the_district(
    client: TestClient, answered: Answered
) -> None:
    log_in(client, "admin")
    page = client.get("/reports?weeks=4").text
    assert page.count('class="trend-centre"') == 2
    assert f"{CENTRE_A} 주별 추이" in page


def test_the_trend_on_the_page_has_each_weeks_median_time_to_first_contact(
    client: TestClient, answered: Answered
) -> None:
    log_in(client, "admin")
    page = client.get("/reports?weeks=4").text
    district = page.split('data-trend=""')[1].split("</table>")[0]
    centre_b = page.split(f'data-trend="{CENTRE_B}"')[1].split("</table>")[0]

    assert '<th class="num">첫 연락까지 (중앙값)</th>' in district
    medians = re.findall(r'data-label="첫 연락까지 \(중앙값\)">([^<]*)</td>', district)
    # Newest week first: the alerts of the week of 2026-11-02 were first called after an
    # hour; no other week had a call.
    assert medians == ["—", "—", "1시간", "—"]
    assert re.findall(r'data-label="첫 연락까지 \(중앙값\)">([^<]*)</td>', centre_b) == ["—"] * 4


@pytest.mark.parametrize(
    "table", ["alerts_per_week", "timings", "outcomes", "enrolment", "centres", "trend"]
)
def test_each_export_as_xlsx_holds_the_csvs_figures_as_numbers(
    client: TestClient, answered: Answered, table: str
) -> None:
    log_in(client, "admin")
    answer = client.get(f"/reports.xlsx?table={table}&weeks=4")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == reports_page.XLSX
    assert f"anbu-{table}-4w-" in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content), read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    figures = _csv(client.get(f"/reports.csv?table={table}&weeks=4").content)

    assert [[_figure(cell) for cell in row] for row in rows] == [
        [_figure(text) for text in row] for row in figures
    ]
    assert any(isinstance(cell, int | float) for row in rows[1:] for cell in row)


def test_the_page_offers_each_table_as_csv_and_as_xlsx(
    client: TestClient, answered: Answered
) -> None:
    log_in(client, "admin")
    page = client.get("/reports?weeks=4").text
    tables = ("alerts_per_week", "timings", "outcomes", "enrolment", "centres", "trend")
    for table in tables:
        assert f"/reports.csv?table={table}&amp;weeks=4" in page
        assert f"/reports.xlsx?table={table}&amp;weeks=4" in page
    assert page.count("엑셀(.xlsx)") == len(tables)


def test_an_unknown_table_or_period_is_refused(client: TestClient, answered: Answered) -> None:
    log_in(client, "kim.a")
    assert client.get("/reports.csv?table=names&weeks=4").status_code == 422
    assert client.get("/reports?weeks=5").status_code == 400
    assert client.get("/reports.csv?table=outcomes&weeks=7").status_code == 400


def test_operators_get_no_reports(client: TestClient, answered: Answered) -> None:
    log_in(client, "ops", page=None)
    assert client.get("/reports").status_code == 403
    assert client.get("/reports.csv?table=enrolment&weeks=4").status_code == 403


def test_without_a_session_the_reports_send_to_the_login_page(client: TestClient) -> None:
    answer = client.get("/reports")
    assert (answer.status_code, answer.headers["location"]) == (303, "/login?next=/reports")


def test_every_report_view_and_export_is_audited_with_counts_only(
    client: TestClient, anbu: Anbu, answered: Answered
) -> None:
    log_in(client, "kim.a")
    client.get("/reports?weeks=4")
    client.get("/reports?weeks=12")
    client.get("/reports.csv?table=timings&weeks=4")
    client.get("/reports.xlsx?table=outcomes&weeks=4")
    with anbu.transaction() as store:
        rows = store.connection.execute(
            select(audit_log.c.actor, audit_log.c.detail, audit_log.c.subject_id)
            .where(audit_log.c.action == "report.viewed")
            .order_by(audit_log.c.id)
        ).all()
    assert [(actor, subject_id) for actor, _, subject_id in rows] == [("kim.a", None)] * 4
    details = [json.loads(detail) for _, detail, _ in rows]
    assert [(d["weeks"], d["format"], d["tables"]) for d in details] == [
        (4, "html", ALL_TABLES),
        (12, "html", ALL_TABLES),
        (4, "csv", ["timings"]),
        (4, "xlsx", ["outcomes"]),
    ]
    assert all("SD-" not in detail for _, detail, _ in rows)


def test_the_report_shows_no_person(client: TestClient, answered: Answered) -> None:
    log_in(client, "admin")
    text = client.get("/reports?weeks=4").text
    for personal in ("SD-0001", "김영수", "김*수", "010-1234-5678", "휴대전화 분실"):
        assert personal not in text


# -- helpers ---------------------------------------------------------------------------


def _alert_of(anbu: Anbu, external_id: str) -> int:
    with anbu.transaction() as store:
        return int(
            store.connection.execute(
                select(alerts.c.id)
                .join(subjects, subjects.c.id == alerts.c.subject_id)
                .where(subjects.c.external_id == external_id)
            ).scalar_one()
        )


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _figure(cell: object) -> object:
    """A cell of either file as a number when it is one (the CSV's "30.0" is the workbook's
    30), else its text; an empty cell is ""."""
    if cell is None:
        return ""
    if isinstance(cell, int | float):
        return float(cell)
    try:
        return float(str(cell))
    except ValueError:
        return str(cell)


class _Cells(HTMLParser):
    """The body cells' texts of the table with the given id."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.inside = self.in_body = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", self.table_id) in attrs:
            self.inside = True
        elif self.inside and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag == "td":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if self.in_body and tag == "td" and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.inside:
            self.inside = self.in_body = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _table(html: str, table_id: str) -> list[list[str]]:
    parser = _Cells(table_id)
    parser.feed(html)
    assert parser.rows or f'id="{table_id}"' in html, f"no table {table_id}"
    return parser.rows


def test_the_response_time_chart_speaks_the_tables_unit(
    client: TestClient, anbu: Anbu, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seven minutes in the table are minutes on the chart's axis, not "0.1시간"."""
    cases.acknowledge(anbu, district.alert_a, by="kim.a", now=OPENED + timedelta(minutes=7))
    monkeypatch.setattr(reports_page, "wall_clock", lambda: NOW)
    log_in(client, "kim.a")
    page = client.get("/reports?weeks=4").text

    assert _table(page, "timings")[0][2] == "7분"
    chart = page.split('id="chart-timings-title"')[1].split("</svg>")[0]
    axis = re.findall(r'text-anchor="middle" fill="#5b6675">([^<]*)</text>', chart)
    assert axis[:3] == ["0분", "2분", "4분"]
    assert all(label.endswith("분") for label in axis)
