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
from .models import Role


def current_school():
    """The school the user is working in now (chosen in the session, else their first)."""
    if "current_school" in g:
        return g.current_school
    from ..schools.models import School

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


def visit_for(user, visit_uuid, *, edit: bool = False):
    """The visit with this uuid if `user` may see (or, with edit, change) it; else 404."""
    from ..visits.models import Visit

    visit = get_in_school(Visit, uuid=visit_uuid)
    allowed = can_edit_observation(user, visit) if edit else can_view_visit(user, visit)
    if not allowed:
        abort(404)
    return visit


# --- sync (area D) ------------------------------------------------------------

def can_start_spontaneous_visit(user, school_id: int) -> bool:
    """Walkthroughs are started by the school's principals (rektor, biträdande rektor)."""
    return school_id in user.school_ids and user.has_role(school_id, Role.PRINCIPAL)


def sync_conflict_for(user, conflict_id: int):
    """An unresolved sync conflict of `user` in the current school; else 404 (only its author merges it)."""
    from ..sync.models import SyncConflict

    conflict = get_in_school(SyncConflict, id=conflict_id, user_id=user.id)
    if conflict.resolved_at is not None:
        abort(404)
    return conflict
