"""A report's table as a workbook: numbers stay numbers, and no text becomes a formula."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from anbu.adapters.formats.spreadsheet import table_workbook


def test_it_keeps_numbers_as_numbers_and_none_as_an_empty_cell() -> None:
    data = table_workbook(
        [["센터", "건수", "분"], ["마장동", 3, 30.5], ["전체", 0, None]], sheet="표"
    )

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]

    assert sheet.title == "표"
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["센터", "건수", "분"],
        ["마장동", 3, 30.5],
        ["전체", 0, None],
    ]
    assert sheet["A1"].font.bold


def test_a_text_that_looks_like_a_formula_stays_text() -> None:
    data = table_workbook([["센터"], ['=HYPERLINK("http://x")'], ["+1"]], sheet="s")

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]

    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == '=HYPERLINK("http://x")'
    assert sheet["A3"].value == "+1"
