"""Which template a new visit uses.

A school chooses its default template per kind of visit (walkthrough, planned, peer) on the
templates page; without a choice, the template of that kind the school has had longest is used.
So publishing a second walkthrough template never takes over every new walkthrough: it is one
more choice on the start page until the school makes it the default. A new *version* of the
template in use does apply at once (the latest version of a template is always the one used).
"""
from __future__ import annotations

from flask_babel import get_locale, gettext as _
from sqlalchemy import select

from ..dbtypes import utcnow
from ..extensions import db
from .models import Template, TemplateDefault, TemplateKind, TemplateStatus, TemplateVersion

# A visit's kind -> the template kind it takes ("any" fits every visit).
VISIT_TO_TEMPLATE_KIND = {"spontaneous": TemplateKind.WALKTHROUGH, "walkthrough": TemplateKind.WALKTHROUGH,
                          "planned": TemplateKind.PLANNED, "peer": TemplateKind.PEER, "any": TemplateKind.ANY}
# The kinds of visit a school chooses a default template for, in the order the settings show them.
DEFAULT_KINDS = (TemplateKind.WALKTHROUGH, TemplateKind.PLANNED, TemplateKind.PEER)


class NotUsable(ValueError):
    """A template that cannot be the default for that kind of visit (archived, unpublished, other kind)."""


def chosen_template_ids(school) -> dict[str, int]:
    """{visit kind: template id} the school chose (kinds without a choice are absent)."""
    rows = db.session.scalars(select(TemplateDefault).where(TemplateDefault.school_id == school.id))
    return {row.visit_kind: row.template_id for row in rows}


def _first_published(version: TemplateVersion):
    return version.template.versions[0].published_at


def usable_versions(school, kind: str) -> list[TemplateVersion]:
    """Latest versions of the school's active templates that fit a visit of `kind`, the one to use first.

    The school's chosen default comes first; then templates made for exactly this kind before
    "any" templates; within each, the one the school has had longest first.
    """
    wanted = VISIT_TO_TEMPLATE_KIND.get(kind, kind)
    templates = db.session.scalars(
        select(Template).where(Template.school_id == school.id, Template.status == TemplateStatus.ACTIVE,
                               Template.kind.in_([str(wanted), str(TemplateKind.ANY)]))
    ).all()
    chosen = chosen_template_ids(school).get(str(wanted))
    versions = [t.latest for t in templates if t.latest is not None]
    return sorted(versions, key=lambda v: (v.template_id != chosen, v.template.kind != wanted,
                                           _first_published(v), v.template_id))


def latest_version_for(school, kind: str) -> TemplateVersion | None:
    """The version a new visit of `kind` (spontaneous/walkthrough, planned, peer) uses by default."""
    versions = usable_versions(school, kind)
    return versions[0] if versions else None


def usable_version_of(school, kind: str, template_id) -> TemplateVersion | None:
    """The latest version of template `template_id` if a visit of `kind` may use it, else None."""
    return next((v for v in usable_versions(school, kind) if str(v.template_id) == str(template_id)), None)


def version_choices(versions: list[TemplateVersion]) -> list[tuple[int, str]]:
    """(version id, label) for a form's template list, as `usable_versions` orders them: the first
    one, the school's default, says so."""
    return [(v.id, _version_label(v, default=index == 0)) for index, v in enumerate(versions)]


def _version_label(version: TemplateVersion, *, default: bool) -> str:
    title = version.template.title or {}
    name = title.get(str(get_locale())) or title.get("sv") or title.get("en") or version.template.key
    if not default:
        return f"{name} (v{version.number})"
    marker = _("the school's default")
    return f"{name} (v{version.number}, {marker})"


def set_default(school, kind: str, template_id: int, user) -> None:
    """Make `template_id` the school's default for new visits of `kind`. Raises NotUsable. Flushes."""
    wanted = str(VISIT_TO_TEMPLATE_KIND[kind])
    if usable_version_of(school, wanted, template_id) is None:
        raise NotUsable(template_id)
    set_by_id = getattr(user, "id", None)  # read first: loading an expired user flushes the session
    row = db.session.get(TemplateDefault, (school.id, wanted))
    if row is None:
        row = TemplateDefault(school_id=school.id, visit_kind=wanted)
        db.session.add(row)
    row.template_id, row.set_by_id, row.set_at = int(template_id), set_by_id, utcnow()
    db.session.flush()
