"""Admin forms (WTForms); the rules behind them live in admin/services.py and schools/services.py."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (BooleanField, EmailField, HiddenField, IntegerField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..form_dates import DateField
from .services import role_choices


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (each with its own label, easy to tap)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _at_least_one(form, field):
    """Like DataRequired, without putting `required` on every checkbox of the group."""
    if not field.data:
        raise ValidationError(_l("Choose at least one role."))


def _roles_field():
    return CheckboxesField(_l("Roles"), choices=role_choices, validators=[_at_least_one])


class SchoolForm(FlaskForm):
    name = StringField(_l("School name"), validators=[DataRequired(), Length(max=200)])


class StaffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "off"})
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "off", "autocapitalize": "none"})
    roles = _roles_field()
    # Without an identity provider the person chooses their own password through a mailed link.
    invite = BooleanField(_l("Send an invitation by e-mail"), default=True)


class RolesForm(FlaskForm):
    roles = _roles_field()


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileAllowed(["csv", "txt"], _l("Choose a .csv file."))],
                     render_kw={"accept": ".csv,text/csv,.txt", "class": "file-input"})
    text = TextAreaField(_l("…or paste the rows here"), validators=[Optional(), Length(max=500_000)],
                         render_kw={"rows": 8, "spellcheck": "false"})


class ImportConfirmForm(FlaskForm):
    csv = HiddenField(validators=[DataRequired(), Length(max=500_000)])
    invite = BooleanField(_l("Send each new person an invitation by e-mail"), default=True)


class GroupForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[DataRequired(), Length(max=200)])
    members = CheckboxesField(_l("Members"), coerce=int, validate_choice=True)


class RetentionForm(FlaskForm):
    """How long personal records are kept at this school (the domain's suggested defaults prefilled)."""

    walkthrough_deidentify_days = IntegerField(
        _l("Walkthroughs: remove the teacher's name after (days)"), validators=[InputRequired(), NumberRange(1, 365)])
    planned_delete_months_after_follow_up = IntegerField(
        _l("Planned visits: delete after the follow-up (months)"), validators=[InputRequired(), NumberRange(1, 60)])
    peer_delete_months = IntegerField(
        _l("Peer notes: delete at the latest after (months)"), validators=[InputRequired(), NumberRange(1, 60)])


class OrganisationForm(FlaskForm):
    """Organisation-wide privacy settings: the smallest aggregate shown, and salary-setting use."""

    min_cell_observations = IntegerField(
        _l("Show a figure only when it rests on at least this many observations"),
        validators=[InputRequired(), NumberRange(3, 100)])
    min_cell_teachers = IntegerField(
        _l("... and on at least this many teachers"), validators=[InputRequired(), NumberRange(2, 50)])
    salary_use = BooleanField(_l("Records may be used in salary-setting (announced in advance)"))
    salary_use_from = DateField(_l("First day from which new records may be used in salary-setting"),
                                validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.salary_use.data and self.salary_use_from.data is None and not self.salary_use_from.errors:
            self.salary_use_from.errors = [*self.salary_use_from.errors, _l("Choose the first day.")]
            return False
        return valid


class OrgLeaderForm(FlaskForm):
    is_org_leader = BooleanField(_l("Organisation leader: sees de-identified figures of every school"))
