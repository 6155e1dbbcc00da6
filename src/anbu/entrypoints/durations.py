"""How long, in the words people read: `1시간 17분`, `3일 2시간`, `40초`, and how long ago:
`방금`, `2시간 전`. One formatter for the pages and the commands, so that a report and a
command say the same length the same way."""

from __future__ import annotations

from datetime import timedelta

_UNITS = {"ko": ("일", "시간", "분", "초"), "en": (" d", " h", " min", " s")}
_JUST_NOW = {"ko": "방금", "en": "just now"}
_AGO = {"ko": "{} 전", "en": "{} ago"}


def duration(span: timedelta | None, language: str = "ko") -> str:
    """The largest unit and the one below it, to the minute (`1시간 42분`, `2일 3시간`,
    `3일` for three days and five minutes); under a minute, the seconds (`40초`); `—` for
    none. A negative span counts as none elapsed."""
    if span is None:
        return "—"
    days_unit, hours_unit, minutes_unit, seconds_unit = _units(language)
    seconds = max(round(span.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds}{seconds_unit}"
    days, rest = divmod(seconds // 60, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = (days_unit, hours_unit, minutes_unit)
    counts = (days, hours, minutes)
    first = next(i for i, n in enumerate(counts) if n)
    shown = zip(counts[first : first + 2], units[first : first + 2], strict=True)
    return " ".join(f"{n}{unit}" for n, unit in shown if n)


def ago(span: timedelta | None, language: str = "ko") -> str:
    """How long ago: `방금` under a minute, else `1시간 17분 전`; `—` for never."""
    if span is None:
        return "—"
    if span < timedelta(minutes=1):
        return _JUST_NOW.get(language, _JUST_NOW["ko"])
    return _AGO.get(language, _AGO["ko"]).format(duration(span, language))


def _units(language: str) -> tuple[str, str, str, str]:
    return _UNITS.get(language, _UNITS["ko"])
