"""HTML forms of the feedback loop (plans, pre-conference, feedback, next steps, peer pairs)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l, lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField, widgets)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..form_dates import DateField, DateTimeLocalField
from ..visits.models import Purpose
from ..visits.services import YEAR_GROUPS

DT_FORMAT = "%Y-%m-%dT%H:%M"


def attach_errors(form, fields: dict) -> None:
    """Show a service's field errors on the form's own fields (the page keeps the user's input)."""
    for name, messages in fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + list(messages)


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable by touch, no JavaScript needed)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def purpose_choices():
    return [(Purpose.DEVELOPMENT.value, _l("Development")),
            (Purpose.PEER_LEARNING.value, _l("Peer learning")),
            (Purpose.MAPPING.value, _l("School-wide mapping"))]


def year_group_choices():
    """The same year groups as the walkthrough's form, so that Analys filters on one set of values
    (a class name such as "3B" in this field was offered there as a year group)."""
    return [("", "–")] + [(y, y) for y in YEAR_GROUPS]


class PlanForm(FlaskForm):
    teacher_id = SelectField(_l("Teacher"), coerce=int, validators=[InputRequired()])
    year_group = SelectField(_l("Year group (optional)"), choices=lambda: year_group_choices(), default="",
                             validators=[Optional()])
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=100)])
    scheduled_at = DateTimeLocalField(_l("Date and time"), format=DT_FORMAT, validators=[InputRequired()])
    planned_minutes = IntegerField(_l("Length (minutes)"), default=40,
                                   validators=[Optional(), NumberRange(min=5, max=240)])
    template_version_id = SelectField(_l("Template"), coerce=int, validators=[InputRequired()])
    purpose = SelectField(_l("Purpose"), choices=[], default=Purpose.DEVELOPMENT.value,
                          validators=[DataRequired()])
    access = CheckboxesField(_l("Also give access to"), coerce=int, validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.purpose.choices = purpose_choices()


class PreconferenceForm(FlaskForm):
    lesson_goal = TextAreaField(_l("Lesson goal"), validators=[Optional(), Length(max=2000)])
    student_activity = TextAreaField(_l("What the students will do"), validators=[Optional(), Length(max=2000)])
    # Unknown keys are dropped by the service rather than failing the whole form.
    focus_item_keys = CheckboxesField(_l("Focus from the template"), validators=[Optional()], validate_choice=False)
    focus_text = TextAreaField(_l("Focus in your own words"), validators=[Optional(), Length(max=2000)],
                               description=_l("What do you want feedback on?"))
    data_method = TextAreaField(_l("Agreed data method"), validators=[Optional(), Length(max=1000)],
                                description=_l("For example a timed log of questions, or who speaks"))
    feedback_meeting_at = DateTimeLocalField(_l("Feedback meeting"), format=DT_FORMAT, validators=[Optional()])


class FeedbackDraftForm(FlaskForm):
    summary = TextAreaField(_l("Summary for the teacher"), validators=[Optional(), Length(max=4000)])
    strength_text_0 = TextAreaField(_l("Strength to build on"), validators=[Optional(), Length(max=2000)])
    strength_evidence_0 = TextAreaField(_l("Evidence: what was said or done"), validators=[Optional(), Length(max=2000)])
    strength_text_1 = TextAreaField(_l("Another strength (optional)"), validators=[Optional(), Length(max=2000)])
    strength_evidence_1 = TextAreaField(_l("Evidence: what was said or done"), validators=[Optional(), Length(max=2000)])
    development_area = TextAreaField(_l("One development area"), validators=[Optional(), Length(max=2000)])
    next_step_text = TextAreaField(_l("Next step"), validators=[Optional(), Length(max=2000)])
    next_step_due = DateField(_l("Due date of the next step"), validators=[Optional()])

    STRENGTH_ROWS = 2

    def strengths(self) -> list[tuple[str, str]]:
        return [(getattr(self, f"strength_text_{i}").data or "", getattr(self, f"strength_evidence_{i}").data or "")
                for i in range(self.STRENGTH_ROWS)]

    def fill_from(self, feedback) -> None:
        self.summary.data = feedback.summary
        for i, item in enumerate((feedback.strengths or [])[: self.STRENGTH_ROWS]):
            getattr(self, f"strength_text_{i}").data = item.get("text")
            getattr(self, f"strength_evidence_{i}").data = item.get("evidence")
        self.development_area.data = feedback.development_area
        if feedback.next_steps:
            self.next_step_text.data = feedback.next_steps[0].text
            self.next_step_due.data = feedback.next_steps[0].due_on


class ReflectionForm(FlaskForm):
    reflection = TextAreaField(_l("Your reflection"), validators=[Optional(), Length(max=4000)])


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[InputRequired(), Length(max=4000)])
    kind = SelectField(_l("Kind"), choices=[], default="comment")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("comment", _l("Comment")), ("disagreement", _l("I disagree")),
                             ("correction_request", _l("Please correct the record"))]


class NextStepForm(FlaskForm):
    text = TextAreaField(_l("Next step"), validators=[InputRequired(), Length(max=2000)])
    due_on = DateField(_l("Due date"), validators=[InputRequired()])


class NextStepStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("open", lazy_pgettext("next step status", "Open")), ("in_progress", _l("In progress")),
                               ("done", _l("Done"))]


class ConversationForm(FlaskForm):
    """That the feedback conversation was held, when, and what was agreed (leader action 3)."""

    conversation_on = DateField(_l("The conversation was held on"), validators=[InputRequired()])
    conversation_agreed = TextAreaField(_l("What we agreed"), validators=[Optional(), Length(max=4000)],
                                        description=_l("Add the next steps you agreed below, each with a date."))


class TermPlanForm(FlaskForm):
    """Goals for the term; an empty field is no goal."""

    visits_per_teacher = IntegerField(_l("Visits per teacher (at least)"), validators=[Optional(), NumberRange(1, 20)])
    peer_round_weeks = IntegerField(_l("A peer round every … weeks"), validators=[Optional(), NumberRange(1, 26)])
    feedback_days = IntegerField(_l("Feedback shared within … days"), validators=[Optional(), NumberRange(0, 30)])
    acknowledged_percent = IntegerField(_l("Shared feedback acknowledged (%)"),
                                        validators=[Optional(), NumberRange(0, 100)])
    steps_on_time_percent = IntegerField(_l("Next steps done on time (%)"), validators=[Optional(), NumberRange(0, 100)])


class PeerRoundForm(FlaskForm):
    """The next round's settings (a GET form: nothing is stored until the round is formed)."""

    class Meta:
        csrf = False

    team = SelectField(_l("Teachers"), choices=[], default="", validate_choice=False)
    across = BooleanField(_l("Mix the teams: partners from different teams where possible"))
    period_start = DateField(_l("Period starts"), validators=[InputRequired()])
    period_end = DateField(_l("Period ends"), validators=[InputRequired()])


class PeerRoundFormGroups(FlaskForm):
    """Forming the round: the period again, and each teacher's group number (request.form["group-<id>"])."""

    period_start = DateField(_l("Period starts"), validators=[InputRequired()])
    period_end = DateField(_l("Period ends"), validators=[InputRequired()])


class PeerChangeForm(FlaskForm):
    text = TextAreaField(_l("What would you like changed?"), validators=[Optional(), Length(max=1000)])


class PeerGroupForm(FlaskForm):
    members = CheckboxesField(_l("Teachers (two or three)"), coerce=int)
    period_start = DateField(_l("Period starts"), validators=[InputRequired()])
    period_end = DateField(_l("Period ends"), validators=[InputRequired()])


class PeerVisitForm(FlaskForm):
    observer_id = SelectField(_l("Who observes you"), coerce=int, validators=[InputRequired()])
    scheduled_at = DateTimeLocalField(_l("Date and time"), format=DT_FORMAT, validators=[InputRequired()])
    year_group = SelectField(_l("Year group (optional)"), choices=lambda: year_group_choices(), default="",
                             validators=[Optional()])
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=100)])
    focus_text = TextAreaField(_l("My focus: I want to know…"), validators=[InputRequired(), Length(max=2000)])
    data_method = TextAreaField(_l("Data method"), validators=[Optional(), Length(max=1000)],
                                description=_l("For example a timed log and quotes, question types, who takes part"))
    summary_to_principal = BooleanField(_l("Send a summary (focus theme and counts only) to the principal"))
    # The school's published peer templates, its default for peer visits first (shown when there are several).
    template_version_id = SelectField(_l("Template"), coerce=int, validators=[Optional()])


class PeerSummaryForm(FlaskForm):
    summary_to_principal = BooleanField(_l("Send a summary (focus theme and counts only) to the principal"))
