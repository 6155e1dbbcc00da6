"""The Jinja2 environment the pages share: words in the viewer's language, Seoul times."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from anbu.adapters import catalogue
from anbu.domain.wording import Message
from anbu.entrypoints.durations import duration
from anbu.entrypoints.web.i18n import translate
from anbu.entrypoints.web.maps import geo_uri, kakao_map
from anbu.services.people import national_form

SEOUL = ZoneInfo("Asia/Seoul")
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def seoul(instant: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return "" if instant is None else instant.astimezone(SEOUL).strftime(pattern)


def language_of(context: Context) -> str:
    user = context.get("user")
    language = getattr(user, "language", None) or context.get("language") or "ko"
    return str(language)


@pass_context
def t(context: Context, key: str, **params: object) -> str:
    """The word for `key` in the viewer's language, its `{name}`s filled from `params`."""
    return translate(key, language_of(context), **params)


@pass_context
def say(context: Context, message: Message) -> str:
    """A domain `Message` (a refusal's reason) in the viewer's language."""
    return catalogue.say(message, language_of(context))


@pass_context
def lang(context: Context) -> str:
    return language_of(context)


@pass_context
def who(context: Context, login: str | None, name: str | None = None) -> Markup:
    """A member of staff as people read them: their name, with the login on hover. The
    name is `name`, else the page's `staff_names` (login → name, read for the whole page
    at once); with none on record, the login itself."""
    if not login:
        return Markup("")
    names = context.get("staff_names") or {}
    shown = name or names.get(login)
    if not shown or shown == login:
        return escape(login)
    return Markup('<span class="staff" title="{}">{}</span>').format(login, shown)


templates.env.globals["t"] = t
templates.env.globals["say"] = say
templates.env.globals["who"] = who
templates.env.globals["lang"] = lang
templates.env.filters["seoul"] = seoul
# How long, as the commands say it too (`anbu.entrypoints.durations`).
templates.env.filters["duration"] = duration
# Visit information (issue 14, visit): contacts' numbers as dialled, map links.
templates.env.filters["national_phone"] = national_form
templates.env.filters["kakao_map"] = kakao_map
templates.env.filters["geo_uri"] = geo_uri
