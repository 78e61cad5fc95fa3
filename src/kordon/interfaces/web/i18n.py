"""Languages of the workspace: Russian, Kazakh and English through gettext catalogues (Babel).

The catalogues are the ``.po`` files under ``locale/``; they are compiled in memory the first time
a language is used, so there is no ``.mo`` to rebuild or to fall out of step with its ``.po``.
The officer's choice is kept in a cookie; without one, the browser's ``Accept-Language`` decides.
Dates, numbers, money and quantities are formatted for the language, times in the post's zone.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import io
import os
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("ru", "kk", "en")
NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}
DEFAULT = "en"  # for a browser that asks for none of the three
COOKIE = "kordon_lang"
# Kazakhstan keeps one zone (UTC+5) since 1 March 2024; a post elsewhere sets KORDON_TIMEZONE.
DEFAULT_ZONE = "Asia/Almaty"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("kordon_lang", default=DEFAULT)


@cache
def translations(lang: str) -> NullTranslations:
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" or not po.exists():
        return NullTranslations()  # the msgids are the English texts
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)  # a fuzzy (unchecked) translation is not shown to officers
    buf.seek(0)
    return Translations(buf)


def current() -> str:
    return _current.get()


def activate(lang: str) -> None:
    _current.set(lang if lang in LANGUAGES else DEFAULT)


def gettext(message: str) -> str:
    return translations(current()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ungettext(singular, plural, n)


_ = gettext


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The officer's stored choice, else the best of ``Accept-Language`` (q-values honoured), else English."""
    if cookie is not None and cookie in LANGUAGES:
        return cookie
    wanted: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag:
            wanted.append((-q, i, tag.strip().lower()))
    for neg_q, _i, tag in sorted(wanted):
        if neg_q >= 0:
            continue
        base = tag.split("-")[0]
        if base in LANGUAGES:
            return base
    return DEFAULT


# -- formatting ----------------------------------------------------------------------------------
def _locale() -> Locale:
    return Locale.parse(current())


@lru_cache(maxsize=1)
def zone() -> ZoneInfo:
    try:
        return ZoneInfo(os.environ.get("KORDON_TIMEZONE") or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _as_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        t = value
    elif isinstance(value, str) and value:
        try:
            t = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)  # stored times are UTC


def when(value: Any) -> str:
    """A stored UTC time as local date and time to the minute, with the zone: 05.12.2026, 10:15 (UTC+5)."""
    t = _as_datetime(value)
    if t is None:
        return "" if value in (None, "") else str(value)
    local = t.astimezone(zone())
    offset = local.utcoffset() or dt.timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    zone_label = f"UTC{hours:+d}" + (f":{rest // 60:02d}" if rest else "")
    # Four-digit years and a 24-hour clock in every language, as on customs documents.
    stamp = f"{dates.format_skeleton('yMd', local, locale=_locale())}, {local:%H:%M}"
    return f"{stamp} ({zone_label})"


def day(value: Any, form: str = "medium") -> str:
    """A calendar date (a declaration's date has no time or zone): medium (5 дек. 2026 г.) or short (05.12.2026)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    if form == "short":
        # yMd keeps four-digit years in every language (en "short" would write 12/5/26)
        return dates.format_skeleton("yMd", value, locale=_locale())
    return dates.format_date(value, "medium", locale=_locale())


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def number(value: Any, digits: int = 3) -> str:
    d = _decimal(value)
    if d is None:
        return "" if value is None else str(value)
    # Trailing zeros of a stored Numeric(20, 4) are not precision the trader declared.
    d = d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()
    return numbers.format_decimal(d, format=None if digits >= 3 else f"#,##0.{'#' * digits}", locale=_locale())


def score(value: Any) -> str:
    d = _decimal(value)
    return "" if d is None else numbers.format_decimal(d, format="#,##0.0", locale=_locale())


def money(value: Any, currency: str | None) -> str:
    d = _decimal(value)
    if d is None:
        return ""
    if not currency:
        return number(d)
    try:
        return numbers.format_currency(d, currency, locale=_locale())
    except (ValueError, numbers.UnknownCurrencyError):
        return f"{number(d)} {currency}"


# Units as traders write them, in the words officers use. Unknown units are shown as written.
_UNITS = {
    "pcs": "pcs", "pc": "pcs", "piece": "pcs", "pieces": "pcs", "шт": "pcs", "796": "pcs",
    "kg": "kg", "кг": "kg", "166": "kg", "t": "t", "tonne": "t", "168": "t", "g": "g",
    "l": "l", "litre": "l", "liter": "l", "112": "l", "m": "m", "m2": "m²", "m3": "m³",
    "pair": "pairs", "pairs": "pairs", "715": "pairs", "set": "sets", "sets": "sets", "839": "sets",
}


def unit_label(unit: str | None) -> str:
    if not unit:
        return ""
    key = _UNITS.get(unit.strip().lower().rstrip("."))
    if key is None:
        return unit
    labels = {"pcs": _("pcs"), "kg": _("kg"), "t": _("t"), "g": _("g"), "l": _("l"), "m": _("m"),
              "m²": _("m²"), "m³": _("m³"), "pairs": _("pairs"), "sets": _("sets")}
    return labels[key]


def quantity(value: Any, unit: str | None) -> str:
    n = number(value)
    return f"{n} {unit_label(unit)}".strip() if n else unit_label(unit)


def age(days: int | None) -> str:
    if days is None:
        return ""
    return ngettext("%(num)d day", "%(num)d days", days) % {"num": days}


def country(code: str | None) -> str:
    """ISO code with the country's name in the language: 'RU (Россия)'."""
    if not code:
        return ""
    name = _locale().territories.get(code.upper())
    return f"{code.upper()} ({name})" if name else code.upper()


# -- texts from the rule pack and the lists ------------------------------------------------------
def localized(data: dict[str, Any] | None, field: str, fallback: str = "") -> str:
    """``title_ru`` / ``title_kk`` next to ``title`` in a rule pack or list: the text in the current language."""
    if not data:
        return fallback
    lang = current()
    if lang != "en":
        text = data.get(f"{field}_{lang}")
        if text:
            return str(text).strip()
    return str(data.get(field) or fallback).strip()


def install(env: Any) -> None:
    """Gettext and the formatters in a Jinja environment (the language is the request's, via a context variable)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.filters.update(when=when, day=day, number=number, score=score, unit=unit_label, age=age, country=country)
    env.globals.update(money=money, quantity=quantity, current_language=current, LANGUAGES=LANGUAGES, LANGUAGE_NAMES=NAMES)
