"""Loaded by schemathesis (SCHEMATHESIS_HOOKS) in test_openapi_live.py: a carrier's JSON
Lines batch is text, sent as the UTF-8 bytes of the string the document describes; the
media types are ours, so schemathesis has no serializer of its own for them."""

from __future__ import annotations

from typing import Any

import schemathesis

from anbu.entrypoints.web.api.ingest import JSON_LINES


@schemathesis.serializer(*JSON_LINES)
def json_lines(ctx: schemathesis.SerializationContext, value: Any) -> dict[str, Any]:
    return {"data": value if isinstance(value, bytes) else str(value).encode("utf-8")}
