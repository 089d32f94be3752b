"""Which templates a school's pages list, which other schools' templates may be cloned, and
which document (a published version or the draft) a page shows or exports.

Queries for the template pages (observe/templates_/views.py), so the views only parse,
call and render; who may see or edit a template is observe/auth/permissions.py's.
"""
from __future__ import annotations

from sqlalchemy import select

from ..auth.models import Membership, Role, User
from ..extensions import db
from ..schools.models import School
from .choice import DEFAULT_KINDS, usable_versions
from .models import Template, TemplateStatus, TemplateVersion
from .services import working_document

KIND_ORDER = {"walkthrough": 0, "planned": 1, "peer": 2, "any": 3}


def school_templates(school) -> list[Template]:
    """The school's templates, walkthroughs first, then planned, peer and any."""
    return sorted(db.session.scalars(select(Template).where(Template.school_id == school.id)),
                  key=lambda t: (KIND_ORDER.get(t.kind, 9), t.id))


def clonable_from_organisation(school) -> list[Template]:
    """Published templates of the organisation's other schools, to clone."""
    others = db.session.scalars(
        select(Template).join(School, School.id == Template.school_id)
        .where(School.organisation_id == school.organisation_id, Template.school_id != school.id,
               Template.status == TemplateStatus.ACTIVE).order_by(School.name, Template.id)).all()
    return [t for t in others if t.latest is not None]


def active_teachers(school) -> list[User]:
    """The school's active teachers (who may be co-authors), by name."""
    return list(db.session.scalars(
        select(User).join(Membership).where(Membership.school_id == school.id, Membership.role == Role.TEACHER,
                                            User.active.is_(True)).order_by(User.name).distinct()))


def _version(template: Template, number: str) -> TemplateVersion | None:
    return next((v for v in template.versions if str(v.number) == number), None)


def export_document(template: Template, wanted: str, editor: bool) -> tuple[dict, str] | None:
    """(document, label for the file name) of version `wanted` (default: the latest), or the
    draft for an editor (`wanted == "draft"`); None when there is no such version."""
    if wanted == "draft" and editor:
        return working_document(template), "draft"
    version = _version(template, wanted) if wanted else template.latest
    return (version.document, f"v{version.number}") if version is not None else None


def preview_document(template: Template, wanted: str, editor: bool) -> tuple[dict, TemplateVersion | None] | None:
    """(document, the version shown or None for the draft): version `wanted` if given, else the draft
    for an editor (or when nothing is published), else the latest version; None: no such version."""
    if wanted:
        version = _version(template, wanted)
        return (version.document, version) if version is not None else None
    if editor and (template.draft is not None or template.latest is None):
        return working_document(template), None
    return template.latest.document, template.latest


def default_choices(school) -> list[dict]:
    """Per kind of visit (walkthrough, planned, peer): the templates it may use and the one it uses
    by default, for the templates page's setting: [{kind, versions, default_id}] (kinds with none left out)."""
    out = []
    for kind in DEFAULT_KINDS:
        versions = usable_versions(school, str(kind))
        if versions:
            out.append({"kind": str(kind), "versions": versions, "default_id": versions[0].template_id})
    return out
