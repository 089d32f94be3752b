"""Presentation values, shared by the page and the exports so they always agree."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import g, has_app_context
from flask_babel import format_decimal, format_percent, get_locale, lazy_gettext as _l

from ..templates_.items import levels_for
from .aggregates import Stats

# Item types whose answers draw as a distribution of choices / as numbers.
CHOICE_TYPES = ("scale", "yes_no", "choice", "checklist", "interval")
NUMBER_TYPES = ("counter", "x_of_y", "timed_log")


@dataclass(frozen=True)
class _PageLocale:
    language: str  # "sv", "en": the key of a template's {"sv": ..., "en": ...} labels
    separators: dict  # str.translate table turning "1,234.5" into the locale's digits

    @classmethod
    def of(cls, locale) -> "_PageLocale":
        return cls(str(locale or "sv"),
                   str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)}))


def _page() -> _PageLocale:
    """The request's locale and what derives from it, looked up once per request: Flask-Babel's
    lookup walks several context proxies, and a dashboard formats a few hundred numbers, labels
    and month names."""
    if not has_app_context():
        return _PageLocale.of(get_locale())
    page = g.get("insights_page")
    if page is None:
        page = g.insights_page = _PageLocale.of(get_locale())
    return page


def page_language() -> str:
    return _page().language


# "62 %" with a no-break space, as Swedish writes it: a narrow table cell never puts the sign on a line of its own.
PERCENT = "#,##0\u00a0%"


def fmt_share(value: float | None) -> str:
    if value is None:
        return ""
    return _plain_number(value, 0, percent=True) or format_percent(value, format=PERCENT)


def fmt_number(value: float | None) -> str:
    if value is None:
        return ""
    return _plain_number(value, 1) or format_decimal(value, format="#,##0.0")


def fmt_scale_end(value: float) -> str:
    """An end of a scale as its levels score it: "1" and "4", "0" and "2" (one decimal only if needed)."""
    return str(int(value)) if float(value).is_integer() else fmt_number(value)


_QUANTUM = {0: Decimal(1), 1: Decimal("0.1")}


def _plain_number(value: float, decimals: int, percent: bool = False) -> str | None:
    """What Babel's "#,##0.0" / PERCENT patterns give for a finite non-negative number, without
    re-parsing the pattern and looking up the locale's symbols for each of the page's few hundred
    numbers; the same half-even rounding of the same decimal. None: let Babel do it."""
    number = Decimal(str(value))
    if percent:
        number = number.scaleb(2)
    if not number.is_finite() or number.is_signed():
        return None
    text = f"{number.quantize(_QUANTUM[decimals]):,f}".translate(_page().separators)
    return text + "\u00a0%" if percent else text  # the pattern's literal suffix, as Babel writes it


def label_text(value) -> str:
    if isinstance(value, dict):
        lang = page_language()
        return value.get(lang) or value.get("sv") or value.get("en") or ""
    return str(value or "")


_CODE = re.compile(r"[A-Za-z]{0,3}[0-9]{1,3}[a-z]?")


def item_code(key: str) -> str:
    """The key when it reads as an item's code ("W1", "F4", "P10b"), the way templates number their
    items; "" for a key that is only an identifier ("phase"), which the reader should not see."""
    return key if _CODE.fullmatch(key or "") else ""


def item_title(key: str, label) -> str:
    """"W1 Lesson purpose …" for a coded item, the label alone otherwise."""
    text = label_text(label) or key
    code = item_code(key)
    return f"{code} {text}" if code else text


def choice_labels(item: dict) -> list[tuple[str, str]]:
    """[(stored choice, label)] in the template's order for a distribution item."""
    kind = item.get("type")
    if kind == "interval":
        return ([(f"teacher:{c['key']}", _l("Teacher: %(code)s", code=label_text(c.get("label") or c["key"])))
                 for c in item.get("teacher_codes", [])]
                + [(f"students:{c['key']}", _l("Students: %(code)s", code=label_text(c.get("label") or c["key"])))
                   for c in item.get("student_codes", [])]
                + [(f"{g['key']}:{o['value']}", f"{label_text(g.get('label')) or g['key']}: "
                                               f"{label_text(o.get('label')) or o['value']}")
                   for g in item.get("interval_choices") or [] for o in g["options"]])
    return [(lv["value"], label_text(lv.get("label") or lv["value"])) for lv in levels_for(item)]


def headline(kind: str, stats: Stats) -> float | None:
    """The one number a heatmap cell, trend point or comparison row shows for an item."""
    if kind in ("scale", "yes_no", "x_of_y", "counter", "timed_log"):
        return stats.mean  # yes_no: share yes of observed (yes=1, no=0, not observed has no number)
    return None


def fmt_headline(kind: str, value: float | None) -> str:
    return fmt_share(value) if kind in ("yes_no", "x_of_y") else fmt_number(value)
