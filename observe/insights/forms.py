"""The dashboard's filter form: a GET form, so every view has a URL to share, print or export."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import Form, SearchField, SelectField
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import Select

from ..form_dates import DateField, MonthField

# The longest custom period or comparison: a column per month, ten school years at most (the
# retention job keeps five), so a mistyped year cannot ask for a page of a thousand months.
LONGEST_PERIOD = dt.timedelta(days=3653)


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class _QuickSelect(Select):
    """WTForms' Select writing plain selects and options directly: the same HTML (attributes in
    html_params' sorted order), several times faster for the page's 11 selects and ~90 options
    (WTForms inspects render_option's signature and the field's flags for every select)."""

    def __call__(self, field, **kwargs):
        flags = field.flags
        if (kwargs or self.multiple or getattr(flags, "required", False) or getattr(flags, "disabled", False)
                or field.has_groups()):
            return super().__call__(field, **kwargs)
        options = "".join([self.render_option(choice) for choice in field.iter_choices()])
        return Markup(f'<select id="{escape(field.id)}" name="{escape(field.name)}">{options}</select>')

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(choice.value)}">{escape(choice.label or choice.value)}</option>')


class _SelectField(SelectField):
    widget = _QuickSelect()


PERIODS = choices([("term", _l("Term")), ("month", _l("Month")), ("custom", _l("Custom dates"))])
COMPARE = choices([("", _l("No comparison")), ("previous", _l("The period before")), ("custom", _l("Other dates")),
                   ("group", _l("Another group, same period"))])
KINDS = choices([("", _l("All visit kinds")), ("spontaneous", _l("Walkthroughs")), ("planned", _l("Planned visits")),
                 ("peer", _l("Peer observations (counts only)"))])


def _not_longer_than_ten_years(first_field: str):
    def check(form, field) -> None:
        first = form[first_field].data
        if first and field.data and not form[first_field].errors and abs(field.data - first) > LONGEST_PERIOD:
            raise ValidationError(_l("A period can be at most ten years."))
    return check


class FilterForm(Form):
    """Filters read from the query string; choices are filled in from what the viewer may see."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    school = _SelectField(_l("School"), validate_choice=False, default="")
    period = _SelectField(_l("Period"), choices=PERIODS, default="term")
    term = _SelectField(_l("Term"), validate_choice=False)
    month = MonthField(_l("Month"), validators=[Optional()])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional(), _not_longer_than_ten_years("start")])
    template = _SelectField(_l("Template"), validate_choice=False)
    item = _SelectField(_l("Item"), validate_choice=False, default="")
    kind = _SelectField(_l("Visit kind"), choices=KINDS, default="")
    subject = _SelectField(_l("Subject"), validate_choice=False, default="")
    year_group = _SelectField(_l("Year group"), validate_choice=False, default="")
    group = _SelectField(_l("Teacher group"), validate_choice=False, default="")
    compare = _SelectField(_l("Compare with"), choices=COMPARE, default="")
    compare_start = DateField(_l("Compare from"), validators=[Optional()])
    compare_end = DateField(_l("Compare to"), validators=[Optional(), _not_longer_than_ten_years("compare_start")])
    # "Another group": the second column uses these instead of the visit filters above.
    compare_kind = _SelectField(_l("Compare: visit kind"), choices=KINDS, default="")
    compare_subject = _SelectField(_l("Compare: subject"), validate_choice=False, default="")
    compare_year_group = _SelectField(_l("Compare: year group"), validate_choice=False, default="")
    compare_group = _SelectField(_l("Compare: teacher group"), validate_choice=False, default="")
    q = SearchField(_l("Search evidence notes"), validators=[Optional(), Length(max=100)])

    def period_range(self, today: dt.date, term_range, month_range) -> tuple[dt.date, dt.date]:
        """The chosen period as (start, end); a half-filled or refused one falls back to the term (the
        refused field says why, and the page's heading states the period it shows)."""
        if self.period.data == "month" and self.month.data and self.month.validate(self):
            return month_range(self.month.data.strftime("%Y-%m"))
        if (self.period.data == "custom" and self.start.data and self.end.data
                and self.start.validate(self) and self.end.validate(self)):
            return tuple(sorted((self.start.data, self.end.data)))
        return term_range(self.term.data)

    def comparison_dates(self) -> tuple[dt.date, dt.date] | None:
        """The "other dates" of the comparison, in order; None when half-filled or refused."""
        if self.compare_start.data and self.compare_end.data and not (self.compare_start.errors or
                                                                      self.compare_end.errors):
            return tuple(sorted((self.compare_start.data, self.compare_end.data)))
        return None
