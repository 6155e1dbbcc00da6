"""Reading text the way Korean offices write it: UTF-8 (with or without BOM) or CP949."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from anbu.domain.rejections import Rejection, UnreadableInputError


def decode(data: bytes) -> str:
    """UTF-8 first (a BOM is dropped), then CP949, which Korean Excel writes by default."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949")
    except UnicodeDecodeError as exc:
        raise UnreadableInputError(
            f"the file is neither UTF-8 nor CP949 (undecodable byte at offset {exc.start})"
        ) from exc


def csv_rows(reader: Any) -> Iterator[list[str] | Rejection]:
    """The rows of a `csv.reader`, with a Rejection for each row the reader cannot parse
    (a field over the size limit): one bad row must not stop the rest of the file."""
    while True:
        try:
            row: list[str] = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Rejection(reader.line_num, None, f"not valid CSV ({exc})")
            continue
        yield row
