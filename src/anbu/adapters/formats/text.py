"""Reading text the way Korean offices write it: UTF-8 (with or without BOM) or CP949."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from anbu.domain.rejections import FieldError, FieldsError, Rejection, UnreadableInputError
from anbu.domain.text import TextError, storable
from anbu.domain.wording import Message

T = TypeVar("T")
Record = tuple[int, dict[str, str]] | Rejection


def decode(data: bytes) -> str:
    """UTF-8 first (a BOM is dropped), then CP949, which Korean Excel writes by default."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949")
    except UnicodeDecodeError as exc:
        raise UnreadableInputError(Message("unreadable.encoding", offset=exc.start)) from exc


def csv_rows(reader: Any) -> Iterator[list[str] | Rejection]:
    """The rows of a `csv.reader`, with a Rejection for each row the reader cannot parse
    (a field over the size limit): one bad row must not stop the rest of the file."""
    while True:
        try:
            row: list[str] = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Rejection(reader.line_num, None, Message("reason.not_csv", detail=str(exc)))
            continue
        yield row


def header_and_records(
    lines: Iterable[str], rename: Callable[[str], str] = str.strip
) -> tuple[list[str], Iterator[Record]]:
    """A CSV's header (each name through `rename`), and then each row as (line, {column:
    cell}) — or a Rejection for a row that is not valid CSV or has the wrong number of
    fields. Blank rows are skipped; line numbers are the file's own, the header being line 1."""
    reader = csv.reader(lines)
    rows = ((reader.line_num, row) for row in csv_rows(reader))
    return header_and_rows(rows, rename)


def header_and_rows(
    rows: Iterable[tuple[int, list[str] | Rejection]], rename: Callable[[str], str] = str.strip
) -> tuple[list[str], Iterator[Record]]:
    """As `header_and_records`, for rows already split into cells (a spreadsheet's), each
    with its line number."""
    numbered = iter(rows)
    first = next(numbered, (1, []))[1]
    header = [] if isinstance(first, Rejection) else [rename(cell) for cell in first]

    def records() -> Iterator[Record]:
        for line, row in numbered:
            if isinstance(row, Rejection):
                yield row
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                fields = Message("reason.field_count", count=len(row), header=len(header))
                yield Rejection(line, None, fields)
                continue
            yield _storable_cells(line, header, row)

    return header, records()


def _storable_cells(line: int, header: list[str], row: list[str]) -> Record:
    """The row's cells in NFC, or a Rejection naming the first column whose cell holds a
    character no field may hold (a NUL from a broken export would fail the whole batch in
    the database, far from the line that caused it)."""
    cells: dict[str, str] = {}
    for column, cell in zip(header, row, strict=True):
        try:
            cells[column] = storable(cell)
        except TextError as exc:
            return Rejection(line, column, exc.reason)
    return line, cells


def distinct_rows(
    records: Iterable[Record],
    parse: Callable[[dict[str, str]], T],
    key: Callable[[T], str],
    key_field: str,
) -> Iterator[tuple[int, T] | Rejection]:
    """Parse each record; a FieldError becomes a Rejection naming line and field, and a
    key given again (the same person twice in one file) is refused on its second line."""
    seen: dict[str, int] = {}
    for record in records:
        if isinstance(record, Rejection):
            yield record
            continue
        line, cells = record
        try:
            item = parse(cells)
        except FieldsError as exc:
            yield Rejection(line, exc.field, exc.reason, tuple(exc.problems[1:]))
            continue
        except FieldError as exc:
            yield Rejection(line, exc.field, exc.reason)
            continue
        first = seen.setdefault(key(item), line)
        if first != line:
            again = Message("reason.given_twice", value=key(item), first=first)
            yield Rejection(line, key_field, again)
            continue
        yield line, item
