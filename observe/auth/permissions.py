"""The one place that decides who may see and do what.

Views and the API call these helpers; none of them trusts a school or owner
taken from the request. Records of another school answer 404, exactly like
records that do not exist.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, g, session
from flask_login import current_user, login_required

from ..extensions import db
from ..feedback.models import VisitAccess
from ..schools.models import School
from ..sync.models import SyncConflict
from ..templates_.models import Template
from ..visits.models import Visit
from .models import Membership, Role, User


def current_school():
    """The school the user is working in now (chosen in the session, else their first)."""
    if "current_school" in g:
        return g.current_school
    school = None
    if getattr(current_user, "is_authenticated", False):
        ids = current_user.school_ids
        wanted = session.get("school_id")
        school_id = wanted if wanted in ids else (ids[0] if ids else None)
        school = db.session.get(School, school_id) if school_id else None
    g.current_school = school
    return school


def current_roles() -> set[Role]:
    school = current_school()
    return current_user.roles_in(school.id) if school else set()


def has_role(*roles: Role) -> bool:
    return bool(current_roles() & set(roles))


def roles_required(*roles: Role):
    """Page decorator: logged in, with one of `roles` at the current school."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def get_in_school(model, **filters):
    """Fetch one record of `model` in the current school, or 404 (never 403: ids are not an oracle)."""
    school = current_school()
    if school is None:
        abort(404)
    record = db.session.execute(
        db.select(model).filter_by(school_id=school.id, **filters)
    ).scalar_one_or_none()
    if record is None:
        abort(404)
    return record


# --- visits -----------------------------------------------------------------

def can_view_visit(user, visit) -> bool:
    """Observer, observed teacher, and the school's principals (not for peer visits)."""
    if visit.school_id not in user.school_ids:
        return False
    if user.id in (visit.observer_id, visit.teacher_id):
        return True
    if visit.kind == "peer":
        return False  # peer notes belong to the pair
    return user.has_role(visit.school_id, Role.PRINCIPAL)


def can_edit_observation(user, visit) -> bool:
    return visit.school_id in user.school_ids and visit.observer_id == user.id


def can_view_observation(user, visit, observation) -> bool:
    """What was recorded: its author; the pair on a peer visit; the school's principals once
    complete; the observed teacher only once the feedback is shared (drafts stay private)."""
    if not can_view_visit(user, visit):
        return False
    if observation.author_id == user.id:
        return True
    if visit.kind == "peer":
        return can_view_peer_notes(user, visit)
    if observation.status != "complete":
        return False
    if user.id == visit.teacher_id and user.id != visit.observer_id:
        return visit.feedback is not None and visit.feedback.status == "shared"
    return user.has_role(visit.school_id, Role.PRINCIPAL)


def can_view_quick_notes(user, visit, observation) -> bool:
    """Quick notes are the observer's own jottings; on a peer visit they belong to the pair."""
    if visit.kind == "peer":
        return can_view_peer_notes(user, visit)
    return observation.author_id == user.id


def can_view_reflective_question(user, visit) -> bool:
    """The walkthrough's question to the teacher is the observer's draft until the visit is
    finished: only then does it reach the observed teacher (like the rest of what is shared)."""
    if not can_view_visit(user, visit):
        return False
    if user.id == visit.teacher_id and user.id != visit.observer_id:
        return visit.status == "completed"
    return True


def visit_for(user, visit_uuid, *, edit: bool = False):
    """The visit with this uuid if `user` may see (or, with edit, change) it; else 404."""
    visit = get_in_school(Visit, uuid=visit_uuid)
    allowed = can_edit_observation(user, visit) if edit else can_view_visit(user, visit)
    if not allowed:
        abort(404)
    return visit


# --- feedback loop: plans, feedback, next steps, peer observation (area G) ---------------

def has_extra_visit_access(user, visit) -> bool:
    """True when the planner explicitly gave `user` access to this planned visit."""
    return db.session.get(VisitAccess, (visit.id, user.id)) is not None


def current_school_or_404():
    """The school the user works in now; pages that need one answer 404 without it."""
    school = current_school()
    if school is None:
        abort(404)
    return school


def can_plan_visit(user, school) -> bool:
    """Principals plan visits and follow-up visits."""
    return school is not None and user.has_role(school.id, Role.PRINCIPAL)


def can_view_plan(user, visit) -> bool:
    """The plan of a planned visit: the default visit circle plus anyone given access."""
    if visit.school_id not in user.school_ids:
        return False
    return can_view_visit(user, visit) or (visit.kind == "planned" and has_extra_visit_access(user, visit))


def can_edit_preconference(user, visit) -> bool:
    """The teacher writes the pre-conference, or both write it together."""
    return (visit.school_id in user.school_ids and visit.status in ("planned", "in_progress")
            and user.id in (visit.observer_id, visit.teacher_id))


def can_write_feedback(user, visit) -> bool:
    """Only the visit's observer drafts feedback; peer visits have none (notes belong to the pair)."""
    return (visit.school_id in user.school_ids and visit.kind != "peer" and visit.teacher_id is not None
            and visit.observer_id == user.id)


def can_view_feedback(user, feedback) -> bool:
    """A draft is its author's alone; shared feedback is visible to whoever may see the visit."""
    if feedback.school_id not in user.school_ids:
        return False
    if feedback.author_id == user.id:
        return True
    return feedback.status == "shared" and can_view_plan(user, feedback.visit)


def can_respond_to_feedback(user, feedback) -> bool:
    """The observed teacher reflects, comments, disagrees and acknowledges shared feedback."""
    return (feedback.school_id in user.school_ids and feedback.status == "shared"
            and feedback.visit.teacher_id == user.id)


def can_update_next_step(user, step) -> bool:
    """The teacher owns their next step; whoever agreed it with them may update it too."""
    if step.school_id not in user.school_ids:
        return False
    if user.id in (step.teacher_id, step.created_by_id):
        return True
    return step.visit is not None and step.visit.observer_id == user.id


def can_view_next_step(user, step) -> bool:
    if step.school_id not in user.school_ids:
        return False
    if step.feedback is not None:
        return can_view_feedback(user, step.feedback)
    if step.visit is not None and step.visit.kind == "peer":
        return user.id in (step.visit.observer_id, step.visit.teacher_id)
    return user.id in (step.teacher_id, step.created_by_id) or user.has_role(step.school_id, Role.PRINCIPAL)


def can_plan_term(user, school) -> bool:
    """The term plan of the feedback culture is the principal's (leader action 9)."""
    return school is not None and user.has_role(school.id, Role.PRINCIPAL)


def can_manage_peer_groups(user, school) -> bool:
    return school is not None and user.has_role(school.id, Role.PRINCIPAL)


def is_peer_member(user, group) -> bool:
    return group.school_id in user.school_ids and any(m.id == user.id for m in group.members)


def can_view_peer_notes(user, visit) -> bool:
    """Peer notes are the pair's: observer and observed teacher, nobody else (principals included)."""
    return (visit.kind == "peer" and visit.school_id in user.school_ids
            and user.id in (visit.observer_id, visit.teacher_id))


def can_own_peer_notes(user, visit) -> bool:
    """The observed teacher owns the notes: sets the focus and decides on the summary."""
    return visit.kind == "peer" and visit.school_id in user.school_ids and visit.teacher_id == user.id


def can_view_peer_summary(user, visit) -> bool:
    """Principals see focus themes and counts only, and only when the observed teacher shared them."""
    return (visit.kind == "peer" and visit.summary_to_principal and visit.school_id in user.school_ids
            and user.has_role(visit.school_id, Role.PRINCIPAL))


def can_view_follow_up(user, school) -> bool:
    return school is not None and user.has_role(school.id, Role.PRINCIPAL)


# --- administration (area A) ------------------------------------------------------------

admin_required = roles_required(Role.ADMIN)


def _org_school_ids(organisation_id: int) -> set[int]:
    return set(db.session.scalars(db.select(School.id).where(School.organisation_id == organisation_id)))


def _admin_school_ids(user) -> set[int]:
    return {m.school_id for m in user.memberships if m.role == Role.ADMIN}


def is_org_admin(user, organisation_id: int) -> bool:
    """An admin at any school of the organisation may add schools to it."""
    return bool(_admin_school_ids(user) & _org_school_ids(organisation_id))


def can_manage_account(user, person) -> bool:
    """Account-wide changes (password, deactivation) reach every school the person works at,
    so they need the admin role at each of them: an admin of one school must not take over
    someone who also works, perhaps as admin, at a school they do not run."""
    return set(person.school_ids) <= _admin_school_ids(user)


def can_appoint_org_leaders(user, organisation_id: int) -> bool:
    """Organisation leaders see de-identified aggregates of every school of the organisation,
    so only an admin of every one of those schools may appoint them."""
    org_school_ids = _org_school_ids(organisation_id)
    return bool(org_school_ids) and org_school_ids <= _admin_school_ids(user)


def staff_member_or_404(user_id: int):
    """A user holding a role at the current school; anyone else (other schools included) is 404."""
    school = current_school()
    if school is None:
        abort(404)
    user = db.session.scalar(
        db.select(User).join(Membership).where(User.id == user_id, Membership.school_id == school.id))
    if user is None:
        abort(404)
    return user


# --- insights (added by area F) ---------------------------------------------

def insights_schools(user) -> list:
    """Schools whose de-identified aggregates `user` may see.

    Organisation leaders see every school of their organisation; a principal sees the
    school they are working in now. Everyone else sees none (the views answer 403).
    """
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_org_leader:
        return list(db.session.execute(
            db.select(School).filter_by(organisation_id=user.organisation_id).order_by(School.name)
        ).scalars())
    school = current_school()
    if school is not None and user.has_role(school.id, Role.PRINCIPAL):
        return [school]
    return []


def may_view_insights(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_org_leader or bool(insights_schools(user)))


# --- sync (area D) ------------------------------------------------------------

def can_start_spontaneous_visit(user, school_id: int) -> bool:
    """Walkthroughs are started by the school's principals (rektor, biträdande rektor)."""
    return school_id in user.school_ids and user.has_role(school_id, Role.PRINCIPAL)


def sync_conflict_for(user, conflict_id: int):
    """An unresolved sync conflict of `user` in the current school; else 404 (only its author merges it)."""
    conflict = get_in_school(SyncConflict, id=conflict_id, user_id=user.id)
    if conflict.resolved_at is not None:
        abort(404)
    return conflict


# --- templates (area B) -----------------------------------------------------------------

def can_manage_templates(user, school) -> bool:
    """Principals and admins create, import, publish, archive templates and invite co-authors."""
    return school is not None and user.has_role(school.id, Role.PRINCIPAL, Role.ADMIN)


def can_edit_template(user, template) -> bool:
    """The school's principals and admins, and teachers invited as co-authors, edit the draft."""
    if template.school_id not in user.school_ids:
        return False
    if user.has_role(template.school_id, Role.PRINCIPAL, Role.ADMIN):
        return True
    return any(c.id == user.id for c in template.coauthors)


def can_view_template(user, template) -> bool:
    """Everyone at the school reads published templates; drafts only their editors."""
    if template.school_id not in user.school_ids:
        return False
    return template.latest is not None or can_edit_template(user, template)


def template_for(user, template_id: int, *, edit: bool = False, manage: bool = False):
    """A template of the current school `user` may see (edit, manage); other schools' ids are 404."""
    template = get_in_school(Template, id=template_id)
    if not can_view_template(user, template):
        abort(404)
    if manage and not can_manage_templates(user, current_school()):
        abort(403)
    if edit and not can_edit_template(user, template):
        abort(403)
    return template


def clonable_template(user, template_id: int):
    """A published template of another school of the user's organisation, for principals to clone; else 404."""
    school = current_school()
    if school is None or not can_manage_templates(user, school):
        abort(404)
    template = db.session.get(Template, template_id)
    if template is None or template.latest is None:
        abort(404)
    owner = db.session.get(School, template.school_id)
    if owner is None or owner.organisation_id != school.organisation_id:
        abort(404)
    return template
