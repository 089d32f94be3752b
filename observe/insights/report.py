"""What a report says about itself, so a printout or a workbook taken into a meeting can be read alone:
the school, the period, the template and its versions, every filter, the minimum cell sizes and when
the figures were computed. The page, its printout and the Excel workbook all show these lines."""
from __future__ import annotations

import datetime as dt

from flask_babel import format_date, format_datetime, gettext as _, ngettext
from sqlalchemy import bindparam, select

from ..extensions import db
from ..templates_.models import Template, TemplateVersion
from .forms import FilterForm
from .services import Dashboard, term_label

_VERSIONS = (select(TemplateVersion.number, TemplateVersion.published_at)
             .join(Template, Template.id == TemplateVersion.template_id)
             .where(Template.school_id.in_(bindparam("schools", expanding=True)),
                    Template.key == bindparam("template"))
             .order_by(TemplateVersion.published_at))


def versions_in_use(school_ids: tuple[int, ...], template_key: str | None, start: dt.date,
                    end: dt.date) -> tuple[int, int] | None:
    """The template's version numbers that were current at some time in the period: the one in force
    when it began, and every one published before it ended. (Observations record their version, but
    reading them all would cost as much as the figures; a device may still send an older version.)"""
    if not template_key:
        return None
    rows = db.session.execute(_VERSIONS, {"schools": list(school_ids), "template": template_key}).all()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=dt.timezone.utc)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.timezone.utc)
    before = [number for number, published in rows if published <= begin]
    during = [number for number, published in rows if begin < published < finish]
    numbers = ([max(before)] if before else []) + during
    if not numbers and rows:
        numbers = [min(number for number, _published in rows)]
    return (min(numbers), max(numbers)) if numbers else None


def _chosen(field) -> str:
    """The label of a select's chosen option (its first, "All …", when nothing is chosen)."""
    options = list(field.choices or [])
    for option in options:
        if option.value == (field.data or ""):
            return str(option.label)
    return str(options[0].label) if options else ""


def report_facts(form: FilterForm, board: Dashboard, scope: str | None, computed_at: dt.datetime) -> list[tuple[str, str]]:
    """[(label, value)] in reading order, in the viewer's language."""
    f = board.filters
    period = f"{format_date(f.start, 'd MMM y')} – {format_date(f.end, 'd MMM y')}"
    if form.period.data == "term":
        period = f"{term_label(form.term.data)} ({period})"
    template = _chosen(form.template) or _("No template has completed observations yet")
    versions = versions_in_use(f.school_ids, f.template_key, f.start, f.end)
    if versions:
        low, high = versions
        template += ", " + (_("version %(n)d", n=low) if low == high
                            else _("versions %(low)d–%(high)d", low=low, high=high))
    facts = [
        (_("School"), scope or _("All schools in the organisation")),
        (_("Period"), period),
        (_("Template"), template),
        (_("Item"), _chosen(form.item)),
        (_("Visit kind"), _chosen(form.kind)),
        (_("Subject"), _chosen(form.subject)),
        (_("Year group"), _chosen(form.year_group)),
        (_("Teacher group"), _chosen(form.group)),
    ]
    if board.compare is not None:
        facts.append((_("Compared with"), f"{_chosen(form.compare)}: {board.compare.label}"))
    facts += [
        (_("Observations"), ngettext("%(num)d completed observation", "%(num)d completed observations",
                                     board.observations)),
        (_("Minimum cell size"), _("%(obs)d observations and, where teachers are named, %(teachers)d different "
                                   "teachers", obs=board.threshold.min_observations,
                                   teachers=board.threshold.min_teachers)),
        (_("Figures computed"), format_datetime(computed_at, "d MMM y HH:mm")),
    ]
    return facts
