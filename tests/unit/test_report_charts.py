"""The report and feed charts (report_charts): drawn for a desk and for a phone, each as
wide as its box; the newest period shown as still counting, never as a fall."""

from __future__ import annotations

import re

from anbu.entrypoints.web import report_charts
from anbu.entrypoints.web.report_charts import Series

HOURS = [f"{h:02d}:00" for h in range(24)]


def _drawings(svg: str) -> dict[str, str]:
    return {
        match.group(1): match.group(0)
        for match in re.finditer(r'<svg [^>]*class="chart (\w+)".*?</svg>', svg, re.S)
    }


def _events(unfinished: str = "") -> str:
    return str(
        report_charts.lines(
            "chart-events",
            title="시간대별 수신 건수",
            description="…",
            categories=HOURS,
            series=[Series("SKT", [40] * 23 + [3])],
            unfinished=unfinished,
        )
    )


def test_it_draws_a_desk_and_a_phone_drawing_that_scale_to_their_box() -> None:
    drawings = _drawings(_events())

    assert set(drawings) == {"wide", "narrow"}
    for name, width in (("wide", 640), ("narrow", 360)):
        head = drawings[name].split(">", 1)[0]
        assert re.search(rf'viewBox="0 0 {width} \d+"', head)
        assert 'width="100%"' in head
        assert "height=" not in head  # the height follows the width
    # Each drawing has its own title for screen readers.
    assert 'id="chart-events-title"' in drawings["wide"]
    assert 'id="chart-events-narrow-title"' in drawings["narrow"]


def test_the_phone_drawing_labels_fewer_hours_but_always_the_newest() -> None:
    drawings = _drawings(_events())

    def labels(svg: str) -> list[str]:
        return re.findall(r'text-anchor="middle" fill="#5b6675">(\d\d:00)</text>', svg)

    assert len(labels(drawings["narrow"])) <= 6 < len(labels(drawings["wide"]))
    assert labels(drawings["narrow"])[-1] == "23:00"
    assert labels(drawings["wide"])[-1] == "23:00"


def test_an_unfinished_hour_is_drawn_as_still_counting() -> None:
    for svg in _drawings(_events("집계 중")).values():
        assert svg.count('class="pending"') == 1  # the hatched band over the last hour
        assert ">집계 중</text>" in svg
        # The last stretch of line is dashed, the last dot hollow and its value so marked.
        assert 'stroke-dasharray="4 3"' in svg
        last = re.findall(r"<circle [^>]*>", svg)[-1]
        assert 'fill="#fff"' in last
        assert "<title>23:00 · SKT: 3 (집계 중)</title>" in svg


def test_a_finished_series_has_no_pending_mark() -> None:
    svg = _events()

    assert 'class="pending"' not in svg
    assert "stroke-dasharray" not in svg
    assert 'fill="#fff"' not in svg


def test_the_current_week_is_a_pale_outlined_column() -> None:
    svg = str(
        report_charts.columns(
            "chart-alerts",
            title="주별 알림",
            description="…",
            categories=["11/23", "11/30"],
            series=[Series("통화 없음", [5, 1])],
            unfinished="집계 중",
        )
    )
    for drawing in _drawings(svg).values():
        first, last = re.findall(r"<rect x[^>]*><title>[^<]*</title>", drawing)
        assert 'fill-opacity="0.35"' not in first
        assert 'fill-opacity="0.35"' in last
        assert "11/30 · 통화 없음: 1 (집계 중)" in last


def test_a_long_centre_name_is_pressed_into_the_phone_drawing() -> None:
    name = "아주아주긴이름의행정복지센터입니다"
    svg = str(
        report_charts.bars(
            "chart-enrolment",
            title="등록",
            description="…",
            categories=[name],
            series=[Series("75세 이상", [3])],
        )
    )
    narrow = _drawings(svg)["narrow"]
    label = re.search(rf"<text [^>]*>{name}</text>", narrow)
    assert label is not None
    assert 'lengthAdjust="spacingAndGlyphs"' in label.group(0)
