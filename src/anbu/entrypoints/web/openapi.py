"""The OpenAPI document (`/openapi.json`) as the application actually behaves: what FastAPI
derives from the routes, plus the rules that hold on every route alike and that no single
route declares — the text every string must be (`domain.text`, checked by
`input_text.storable_input` and the API's schemas), a body over its limit answered 413
(`limits`), and unstorable text in a path, a query or a form answered 422."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

# Every character `domain.text.unstorable` lets through (a multi-line note keeps its tab
# and line breaks), as JSON Schema patterns; and the blanks `str.strip` takes away, which a
# required field needs something besides.
_UNSTORABLE = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff"
_BLANK = r"\t\n\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
STORABLE_TEXT = rf"^[^{_UNSTORABLE}]*$"
NON_BLANK_TEXT = rf"^[^{_UNSTORABLE}]*[^{_UNSTORABLE}{_BLANK}][^{_UNSTORABLE}]*$"
# The same on one line (a carrier's fields: no tab or line break either).
_UNSTORABLE_LINE = r"\x00-\x1f\x7f-\x9f\ufffe\uffff"
NON_BLANK_LINE = rf"^[^{_UNSTORABLE_LINE}]*[^{_UNSTORABLE_LINE}{_BLANK}][^{_UNSTORABLE_LINE}]*$"

_TOO_LARGE = {
    "description": "The body is larger than allowed.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}},
}
_REFUSED_TEXT = {
    "description": "A parameter holds a character no field can hold (a NUL, a control "
    "character), or does not fit the endpoint.",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
    },
}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def describe(app: FastAPI) -> dict[str, Any]:
    """The document, built once and kept (as FastAPI keeps its own)."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        for operation in _operations(document):
            responses = operation.setdefault("responses", {})
            responses.setdefault("413", _TOO_LARGE)
            responses.setdefault("422", _REFUSED_TEXT)
        for schema in _schemas(_requests(document), document):
            if _is_free_text(schema):
                schema["pattern"] = STORABLE_TEXT
        _with_code_and_message(document["components"]["schemas"].get("HTTPValidationError"))
        app.openapi_schema = document
    return app.openapi_schema


def _with_code_and_message(schema: dict[str, Any] | None) -> None:
    """FastAPI's own 422 (a route outside the API refusing a parameter), as the application
    answers it: with the error's `code` and `message` (`web.errors`)."""
    if schema is None:
        return
    schema["properties"] |= {
        "code": {"type": "string", "title": "Code", "description": "`invalid_request`."},
        "message": {
            "type": "string",
            "title": "Message",
            "description": "For a person: Korean, or English when `Accept-Language` asks.",
        },
    }
    schema["required"] = [*schema.get("required", []), "code", "message"]


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in document.get("paths", {}).values():
        for method in _METHODS:
            if method in path:
                yield path[method]


def _requests(document: dict[str, Any]) -> list[Any]:
    """What a client sends: every operation's parameters and body (not its answers)."""
    return [
        [operation.get("parameters", []), operation.get("requestBody", {})]
        for operation in _operations(document)
    ]


def _schemas(
    node: Any, document: dict[str, Any], seen: set[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Every schema object within `node`, however deeply nested, following references to
    the document's components (each once); examples aside."""
    seen = set() if seen is None else seen
    if isinstance(node, dict):
        yield node
        reference = node.get("$ref")
        if isinstance(reference, str) and reference not in seen:
            seen.add(reference)
            name = reference.rpartition("/")[2]
            yield from _schemas(document["components"]["schemas"][name], document, seen)
        for key, value in node.items():
            if key not in ("example", "examples"):
                yield from _schemas(value, document, seen)
    elif isinstance(node, list):
        for item in node:
            yield from _schemas(item, document, seen)


def _is_free_text(schema: dict[str, Any]) -> bool:
    """A string that is neither a format (an instant, a date), a choice nor already shaped."""
    return (
        schema.get("type") == "string"
        and not {"format", "enum", "const", "pattern"} & schema.keys()
    )
