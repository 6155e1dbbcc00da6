"""A district's list as an Excel workbook (.xlsx), read and written with openpyxl: the first
sheet, as rows of text, so that a workbook is judged by exactly the rules of its CSV.

openpyxl is imported only when a workbook is met: every command that never sees one (all
but enrolment) starts without it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time

from anbu.domain.rejections import UnreadableInputError
from anbu.domain.wording import Message

# Every .xlsx is a ZIP archive; a CSV never starts with these bytes.
_ZIP = b"PK\x03\x04"


def is_workbook(data: bytes) -> bool:
    return data.startswith(_ZIP)


def workbook_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) of the workbook's first sheet; the header is row 1."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableInputError(Message("unreadable.workbook", detail=str(exc))) from exc
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_text(value) for value in row]
    finally:
        book.close()


def _text(value: object) -> str:
    """A cell as its CSV would write it: dates and times as ISO (a time without its zone is
    a Seoul wall-clock time, as the district typed it), whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def workbook_of(rows: Sequence[Sequence[str]], *, sheet: str) -> bytes:
    """A one-sheet workbook of `rows` (text cells, so that Excel keeps a leading zero)."""
    from openpyxl import Workbook

    book = Workbook()
    page = book.active
    assert page is not None  # a new workbook has its one sheet
    page.title = sheet
    for row in rows:
        page.append(list(row))
    for column in page.columns:
        for cell in column:
            cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_workbook(rows: Sequence[Sequence[str | int | float | None]], *, sheet: str) -> bytes:
    """A one-sheet workbook of a report's table: the first row a bold header, numbers as
    numbers (so that Excel sums them), None as an empty cell, and every text a text — never
    a formula, whatever it starts with (a centre's name is typed by people)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    page = book.active
    assert page is not None  # a new workbook has its one sheet
    page.title = sheet
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = page.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if number == 1:
                cell.font = Font(bold=True)
    widths: dict[int, int] = {}
    for row in rows:
        for column, value in enumerate(row, start=1):
            widths[column] = max(widths.get(column, 8), min(len(str(value or "")) * 2 + 2, 40))
    for column, width in widths.items():
        page.column_dimensions[_letter(column)].width = width
    page.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)
