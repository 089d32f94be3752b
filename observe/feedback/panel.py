"""The feedback panel (on the visit page and the feedback page) and the other template
globals of the feedback loop: what the observation form shows first, and the menu links."""
from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import permissions as perm
from ..visits.models import VisitKind
from . import followup
from . import services as svc
from .blueprint import bp
from .forms import (CommentForm, ConversationForm, FeedbackDraftForm, NextStepForm, NextStepStatusForm, PeerSummaryForm,
                    ReflectionForm)


@bp.app_template_global()
def feedback_panel(visit, forms: dict | None = None) -> dict:
    """Everything the feedback panel of `visit` may show to the current user, and its forms."""
    user = current_user
    forms = forms or {}
    feedback = visit.feedback
    visible = feedback if feedback is not None and perm.can_view_feedback(user, feedback) else None
    can_write = perm.can_write_feedback(user, visit)
    draft_form = forms.get("draft")
    if draft_form is None and can_write and (feedback is None or feedback.status == "draft"):
        draft_form = FeedbackDraftForm(formdata=None)
        if feedback is not None:
            draft_form.fill_from(feedback)
    shared = visible is not None and visible.status == "shared"
    responding = visible is not None and perm.can_respond_to_feedback(user, visible)
    reflection_form = forms.get("reflect") or (ReflectionForm(formdata=None, reflection=visible.teacher_reflection)
                                               if responding else None)
    if visit.kind == VisitKind.PEER:
        steps = [s for s in svc.next_steps_of_visit(visit) if perm.can_view_next_step(user, s)]
        can_add_step = perm.can_own_peer_notes(user, visit)
    else:
        steps = [s for s in (visible.next_steps if shared else [])]
        can_add_step = shared and user.id in (visit.observer_id, visit.teacher_id)
    can_comment = (perm.can_view_peer_notes(user, visit) if visit.kind == VisitKind.PEER
                   else shared and perm.can_view_plan(user, visit))
    return {
        "visit": visit,
        "feedback": visible,
        "shared": shared,
        "can_write": can_write and draft_form is not None,
        "draft_form": draft_form,
        "responding": responding,
        "reflection_form": reflection_form,
        "comment_form": forms.get("comment") or (CommentForm(formdata=None) if can_comment else None),
        "comments": svc.comments_on(visit) if shared or visit.kind == VisitKind.PEER else [],
        "conversation_form": forms.get("conversation") or (
            ConversationForm(formdata=None, conversation_on=visible.conversation_on or svc.utc_to_local(svc.now()).date(),
                             conversation_agreed=visible.conversation_agreed)
            if shared and perm.can_write_feedback(user, visit) else None),
        "steps": steps,
        "step_form": forms.get("step") or (NextStepForm(formdata=None) if can_add_step else None),
        "can_update_step": lambda step: perm.can_update_next_step(user, step),
        "status_form": NextStepStatusForm(formdata=None),
        "is_peer": visit.kind == VisitKind.PEER,
        "peer_owner": perm.can_own_peer_notes(user, visit),
        "summary_form": PeerSummaryForm(formdata=None, summary_to_principal=visit.summary_to_principal),
        "can_plan_follow_up": perm.can_plan_visit(user, perm.current_school()),
        "next": request.path,
    }


def open_step(visit):
    step = svc.open_next_step_for(visit.teacher_id, visit.school_id, before=visit)
    return step if step is not None and perm.can_view_next_step(current_user, step) else None


@bp.app_template_global()
def observe_context(visit) -> dict:
    """What the observation form shows first: the agreed focus and the teacher's open next step."""
    return {"step": open_step(visit), "focus_text": visit.focus_text,
            "data_method": (visit.preconference or {}).get("data_method")}


@bp.app_template_global()
def feedback_nav() -> list[tuple[str, str, bool]]:
    """Main-menu links of the feedback loop for the current user: (href, label, is_current_page).

    The feedback link carries the number of open reminders, so they are seen on every page.
    """
    if not getattr(current_user, "is_authenticated", False):
        return []
    school = perm.current_school()
    if school is None:
        return []
    count = followup.reminder_count(current_user, school)
    endpoint = request.endpoint or ""
    label = _("Feedback (%(n)d)", n=count) if count else _("Feedback")
    links = [(url_for("planning.index"), _("Planned visits"), endpoint.startswith("planning.")),
             (url_for("feedback.index"), label, endpoint in ("feedback.index", "feedback.visit")),
             (url_for("feedback.peer_index"), _("Peer observation"), endpoint.startswith("feedback.peer"))]
    if perm.can_view_follow_up(current_user, school):
        links.append((url_for("feedback.follow_up"), _("Follow-up"), endpoint == "feedback.follow_up"))
    return links
