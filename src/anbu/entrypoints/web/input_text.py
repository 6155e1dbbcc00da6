"""Every request's text checked once, before any endpoint reads it: the query string, the
path and a posted form may not carry a character no field can hold (`domain.text`). A NUL
would otherwise reach PostgreSQL, which cannot store it, and turn a careless or hostile
request into a 500; here it is a 422 naming the parameter, on every route alike. JSON bodies
are checked field by field by the API's schemas, with the same rule."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import FormData, UploadFile

from anbu.adapters import catalogue
from anbu.domain.text import storable, unstorable

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def storable_input(request: Request) -> None:
    """A dependency of the whole application: 422 for the first parameter that holds an
    unstorable character (its name may be the culprit too)."""
    found = [
        *_refusals("path", request.path_params.items()),
        *_refusals("query", request.query_params.multi_items()),
    ]
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if not found and request.method == "POST" and content_type in _FORMS:
        form = await request.form()
        found = _refusals("body", _texts(form))
    if found:
        raise RequestValidationError(found)


def normalised(form: FormData) -> FormData:
    """The form with every text field in NFC (files as they are), once `storable_input`
    has let it through."""
    return FormData(
        [
            (key, value if isinstance(value, UploadFile) else storable(value))
            for key, value in form.multi_items()
        ]
    )


def _texts(form: FormData) -> Iterable[tuple[str, str]]:
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            yield key, value.filename or ""
        else:
            yield key, value


def _refusals(where: str, items: Iterable[tuple[str, object]]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for name, value in items:
        for text in (name, str(value)):
            reason = unstorable(text)
            if reason is not None:
                # The parameter's name is shown only when it is itself printable.
                shown = name if unstorable(name) is None else "?"
                # Words, not a Message: FastAPI's answer encodes each error as JSON.
                words = catalogue.say(reason)
                found.append({"loc": (where, shown), "msg": words, "type": "unstorable_text"})
                break
    return found
