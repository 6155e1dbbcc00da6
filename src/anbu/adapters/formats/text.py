"""Reading text the way Korean offices write it: UTF-8 (with or without BOM) or CP949."""

from __future__ import annotations

from anbu.domain.rejections import UnreadableInputError


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
