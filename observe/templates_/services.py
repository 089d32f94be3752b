"""Template rules: installing the defaults, publishing drafts into frozen versions, choosing a version.

Item keys are the thread that lets trends continue across versions, so publishing
refuses a version that reuses a key with a different item type.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..dbtypes import utcnow
from ..extensions import db
from .models import Template, TemplateKind, TemplateStatus, TemplateVersion
from .schemas import TemplateFormatError, canonical, items_of, load_document

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"

# A visit's kind -> the template kind it takes ("any" fits every visit).
VISIT_TO_TEMPLATE_KIND = {"spontaneous": TemplateKind.WALKTHROUGH, "walkthrough": TemplateKind.WALKTHROUGH,
                          "planned": TemplateKind.PLANNED, "peer": TemplateKind.PEER, "any": TemplateKind.ANY}


def content_hash(document: dict) -> str:
    return hashlib.sha256(canonical(document).encode("utf-8")).hexdigest()


def default_documents() -> list[dict]:
    """The five shipped templates (A1–A5), validated, in file order."""
    return [load_document(json.loads(path.read_text(encoding="utf-8")))
            for path in sorted(DEFAULTS_DIR.glob("*.json"))]


def install_defaults(school, user=None) -> list[Template]:
    """Give `school` the default templates, each published as version 1; skip keys it already has.

    Idempotent, so it is safe to call again after a release adds a default.
    Flushes but does not commit: the caller owns the transaction.
    """
    have = set(db.session.scalars(select(Template.key).where(Template.school_id == school.id)))
    created = []
    for document in default_documents():
        if document["key"] in have:
            continue
        template = Template(school_id=school.id, key=document["key"], kind=document["kind"],
                            title=document["title"], draft=None, created_by_id=getattr(user, "id", None))
        db.session.add(template)
        db.session.flush()
        _add_version(template, document, user)
        created.append(template)
    db.session.flush()
    return created


def _add_version(template: Template, document: dict, user) -> TemplateVersion:
    version = TemplateVersion(template_id=template.id, school_id=template.school_id,
                              number=(template.latest.number + 1) if template.latest else 1,
                              document=document, content_hash=content_hash(document),
                              published_at=utcnow(), published_by_id=getattr(user, "id", None))
    template.versions.append(version)
    db.session.add(version)
    db.session.flush()
    return version


def working_document(template: Template) -> dict:
    """The document the designer edits: the draft, else a copy of the latest version."""
    if template.draft is not None:
        return json.loads(json.dumps(template.draft))
    if template.latest is not None:
        return json.loads(json.dumps(template.latest.document))
    raise ValueError("template has neither a draft nor a version")


def key_conflicts(template: Template, document: dict) -> dict[str, list[str]]:
    """Items whose key an earlier version used for a different type (trends would mix)."""
    earlier: dict[str, str] = {}
    for version in template.versions:
        for item in items_of(version.document):
            earlier.setdefault(item["key"], item["type"])
    errors: dict[str, list[str]] = {}
    for item in items_of(document):
        old = earlier.get(item["key"])
        if old and old != item["type"]:
            errors[f"items.{item['key']}.type"] = [str(_l(
                "Item %(key)s was a %(old)s in an earlier version; give the new %(new)s item a new key.",
                key=item["key"], old=old, new=item["type"]))]
    return errors


class NothingToPublish(ValueError):
    pass


def publish(template: Template, user) -> TemplateVersion:
    """Freeze the draft into version n+1. Raises TemplateFormatError or NothingToPublish."""
    if template.draft is None:
        raise NothingToPublish(str(_l("There are no changes to publish.")))
    document = load_document(template.draft)
    if document["key"] != template.key:
        document["key"] = template.key  # the template's identity does not change with a draft
    conflicts = key_conflicts(template, document)
    if conflicts:
        raise TemplateFormatError(conflicts)
    if template.latest is not None and template.latest.content_hash == content_hash(document):
        template.draft = None
        raise NothingToPublish(str(_l("The draft is the same as the published version.")))
    version = _add_version(template, document, user)
    template.title = document["title"]
    template.kind = document["kind"]
    template.draft = None
    template.draft_updated_at = None
    db.session.flush()
    return version


def save_draft(template: Template, document: dict) -> dict:
    """Validate and store a working copy (never touches published versions)."""
    document = load_document(document)
    document["key"] = template.key
    template.draft = document
    template.title = document["title"] if template.latest is None else template.title
    template.draft_updated_at = utcnow()
    db.session.flush()
    return document


def usable_versions(school, kind: str) -> list[TemplateVersion]:
    """Latest versions of the school's active templates that fit a visit of `kind`, best first.

    Templates made for exactly this kind come before "any" templates; within each,
    the most recently published first.
    """
    wanted = VISIT_TO_TEMPLATE_KIND.get(kind, kind)
    kinds = {wanted, TemplateKind.ANY}
    templates = db.session.scalars(
        select(Template).where(Template.school_id == school.id, Template.status == TemplateStatus.ACTIVE,
                               Template.kind.in_([str(k) for k in kinds]))
    ).all()
    versions = [t.latest for t in templates if t.latest is not None]
    return sorted(versions, key=lambda v: (v.template.kind != wanted, -v.published_at.timestamp(), -v.id))


def latest_version_for(school, kind: str) -> TemplateVersion | None:
    """The version a new visit of `kind` (spontaneous/walkthrough, planned, peer) uses."""
    versions = usable_versions(school, kind)
    return versions[0] if versions else None


def version_in_school(school, version_id) -> TemplateVersion | None:
    """A version by id, only if it belongs to `school` (ids of other schools are not an oracle)."""
    try:
        version_id = int(version_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(TemplateVersion).where(TemplateVersion.id == version_id,
                                                           TemplateVersion.school_id == school.id))
