"""The marks over a person's activity chart: the time before consent shaded, a mark where
each alert opened, the threshold as a line — each an SVG element of its own, kept within
the plot and escaped."""

from __future__ import annotations

import re

import pytest

from anbu.entrypoints.web.charts import Watching, bar_chart, watching_overlay

DAYS = [(f"{d}일", float(d % 3)) for d in range(1, 11)]


def chart(watching: Watching) -> str:
    return str(bar_chart(DAYS, title="활동", width=440, overlay=watching_overlay(watching)))


def x_of(element: str, name: str) -> float:
    found = re.search(rf'{name}="([\d.]+)"', element)
    assert found, element
    return float(found[1])


def test_the_time_before_consent_is_shaded_to_where_consent_fell() -> None:
    svg = chart(Watching(before=2.5, before_words="동의 전"))

    [shade] = re.findall(r'<rect class="before-consent"[^>]*>', svg)
    # The plot starts at x=44 and its 10 days share 388 px: 38.8 px a day.
    assert x_of(shade, "x") == 44.0
    assert x_of(shade, "width") == 97.0


def test_each_alert_is_marked_where_it_opened() -> None:
    svg = chart(Watching(alerts=[(3.0, "11-04 10:00 알림 발생"), (7.25, "<b>둘째</b>")]))

    marks = re.findall(r'<g class="alert-mark".*?</g>', svg)
    assert len(marks) == 2
    assert x_of(marks[0], "x1") == pytest.approx(44.0 + 3 * 38.8, abs=0.1)
    assert "<title>11-04 10:00 알림 발생</title>" in marks[0]
    assert "<title>&lt;b&gt;둘째&lt;/b&gt;</title>" in marks[1]


def test_the_threshold_line_runs_from_the_last_sign_to_the_limit_kept_within_the_plot() -> None:
    svg = chart(Watching(threshold=(8.0, 12.0), threshold_label="기준 4일"))

    [line] = re.findall(r'<g class="threshold".*?</g>', svg)
    first = re.search(r"<line [^>]*>", line)
    assert first
    assert x_of(first[0], "x1") == pytest.approx(44.0 + 8 * 38.8, abs=0.1)
    assert x_of(first[0], "x2") == 432.0  # the limit lies beyond today: the plot's edge
    assert "기준 4일" in line


def test_nothing_is_drawn_when_there_is_nothing_to_mark() -> None:
    svg = chart(Watching())

    assert "before-consent" not in svg
    assert "alert-mark" not in svg
    assert "threshold" not in svg
