"""The server-drawn SVG charts: one shape per value, readable by screen readers, and no
caller text taken as markup."""

from __future__ import annotations

import re

import pytest

from anbu.entrypoints.web.charts import bar_chart, line_chart, week_grid

WEEK = [("월", 3.0), ("화", 0.0), ("수", 7.0), ("목", 1.0), ("금", 4.0), ("토", 0.0), ("일", 2.0)]


def bars(svg: str) -> list[dict[str, str]]:
    return [
        dict(re.findall(r'data-(\w+)="([^"]*)"', group))
        for group in re.findall(r'<g class="bar" ([^>]*)>', svg)
    ]


def test_it_draws_one_bar_per_value_in_order() -> None:
    svg = str(bar_chart(WEEK, title="요일별 알림", unit="건"))

    assert [(b["label"], b["value"]) for b in bars(svg)] == [
        ("월", "3"),
        ("화", "0"),
        ("수", "7"),
        ("목", "1"),
        ("금", "4"),
        ("토", "0"),
        ("일", "2"),
    ]


def test_the_chart_is_titled_and_described_for_screen_readers() -> None:
    svg = str(bar_chart(WEEK, title="요일별 알림", unit="건", desc="수요일이 가장 많았습니다."))

    labelled = re.search(r'role="img"[^>]*aria-labelledby="([^" ]+) ([^"]+)"', svg)
    assert labelled
    title_id, desc_id = labelled.groups()
    assert f'<title id="{title_id}">요일별 알림</title>' in svg
    assert f'<desc id="{desc_id}">수요일이 가장 많았습니다.</desc>' in svg
    # Each bar can be read out on its own.
    assert "<title>수: 7건</title>" in svg


def test_without_a_description_it_summarises_in_korean() -> None:
    svg = str(bar_chart(WEEK, title="요일별 알림", unit="건"))

    assert "<desc" in svg
    assert "월부터 일까지 7개 항목, 합계 17건, 최대 7건" in svg


def test_bar_heights_are_proportional_and_the_scale_rounds_up() -> None:
    svg = str(bar_chart([("a", 42.0), ("b", 21.0)], title="t", height=226, width=200))

    heights = [
        float(h)
        for h in re.findall(r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"', svg)
    ]
    # The scale tops at 50 (a round number above 42): the bars are 42/50 and 21/50 of the plot.
    plot = 226 - 12 - 26
    assert heights == pytest.approx([plot * 42 / 50, plot * 21 / 50], abs=0.1)
    assert ">50</text>" in svg


def test_a_part_of_each_bar_is_drawn_strong_with_a_legend() -> None:
    svg = str(
        bar_chart(
            [("1일", 5.0), ("2일", 2.0)],
            title="활동",
            unit="건",
            part=[3.0, 0.0],
            legend=("생존 신호", "그 밖의 기록"),
        )
    )

    assert [(b["value"], b["part"]) for b in bars(svg)] == [("5", "3"), ("2", "0")]
    assert "<title>1일: 5건 (생존 신호 3건)</title>" in svg
    assert "생존 신호</text>" in svg
    assert "그 밖의 기록</text>" in svg


def test_a_part_larger_than_its_bar_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and its value"):
        bar_chart([("a", 1.0)], title="t", part=[2.0])
    with pytest.raises(ValueError, match="one value per bar"):
        bar_chart([("a", 1.0)], title="t", part=[])


def test_caller_text_is_escaped() -> None:
    svg = str(bar_chart([("<script>", 1.0)], title='"><b>', unit="&"))

    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&#34;&gt;&lt;b&gt;" in svg


def test_an_empty_or_flat_chart_still_draws() -> None:
    assert bars(str(bar_chart([], title="없음"))) == []
    flat = str(bar_chart([("a", 0.0), ("b", 0.0)], title="없음"))
    assert len(bars(flat)) == 2
    assert "nan" not in flat


def test_long_series_show_every_nth_label_only() -> None:
    month = [(f"11월 {day}일", float(day % 4)) for day in range(1, 31)]
    svg = str(bar_chart(month, title="30일", width=640))

    assert len(bars(svg)) == 30
    shown = re.findall(r'aria-hidden="true">(11월 \d+일)</text>', svg)
    assert 5 <= len(shown) < 30
    assert shown[-1] == "11월 30일"  # counted back from the newest, which is always shown


def test_a_chart_drawn_for_a_layout_fills_its_box_and_keeps_its_newest_label_in_view() -> None:
    month = [(f"11월 {day}일", float(day % 4)) for day in range(1, 31)]
    wide = str(bar_chart(month, title="30일", width=640, layout="wide"))
    narrow = str(bar_chart(month, title="30일", width=320, layout="narrow"))

    head = narrow.split(">", 1)[0]
    assert re.search(r'class="chart narrow"[^>]*viewBox="0 0 320 220" width="100%"', head)
    assert 'height="220"' not in head  # its height follows its width
    ids = {re.search(r'<title id="([^"]+)"', svg)[1] for svg in (wide, narrow)}  # type: ignore[index]
    assert len(ids) == 2  # both on one page, each named apart
    newest = re.findall(r'<text x="([\d.]+)"[^>]*aria-hidden="true">11월 30일</text>', narrow)
    assert newest
    assert float(newest[0]) + 55 / 2 <= 320  # the label's half width, about 27 px


def test_a_line_chart_has_one_point_per_value() -> None:
    svg = str(line_chart(WEEK, title="추이", unit="건"))

    points = re.findall(r'<circle class="point" data-label="([^"]+)" data-value="([^"]+)"', svg)
    assert points == [(label, f"{value:g}") for label, value in WEEK]
    assert "<polyline" in svg
    assert "<title>수: 7건</title>" in svg


DAYS = ("월", "화", "수", "목", "금", "토", "일")


def test_a_week_grid_has_a_cell_per_hour_shaded_by_its_value() -> None:
    rates = [0.0] * 168
    rates[9] = 2.0  # Monday 09–10
    rates[24 * 6 + 15] = 0.5  # Sunday 15–16
    svg = str(week_grid(rates, title="리듬", days=DAYS, unit="회", desc="설명"))
    cells = re.findall(r'data-day="(\d)" data-hour="(\d+)" data-value="([\d.]+)"', svg)
    assert len(cells) == 168
    shade = {
        (int(d), int(h)): float(o)
        for d, h, o in re.findall(
            r'data-day="(\d)" data-hour="(\d+)"[^>]*fill-opacity="([\d.]+)"', svg
        )
    }
    assert shade[(0, 9)] == 1.0
    assert shade[(6, 15)] < shade[(0, 9)]
    assert shade[(6, 15)] > shade[(3, 3)]
    assert "<title>월 09–10: 2.0회</title>" in svg
    assert "<desc" in svg
    assert "설명" in svg


def test_a_week_grid_needs_a_whole_week() -> None:
    with pytest.raises(ValueError, match="168"):
        week_grid([1.0] * 24, title="t", days=DAYS, desc="d")
    with pytest.raises(ValueError, match="7 day names"):
        week_grid([1.0] * 168, title="t", days=DAYS[:5], desc="d")
