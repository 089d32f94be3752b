"""Template rules: installing the defaults, publishing drafts into frozen versions (which version a
new visit uses: choice.py).

Item keys are the thread that lets trends continue across versions, so publishing
refuses a version that reuses a key with a different item type.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..dbtypes import utcnow
from ..extensions import db
from .choice import latest_version_for, usable_versions  # noqa: F401  (callers ask services)
from .models import Template, TemplateStatus, TemplateVersion
from .schemas import TemplateFormatError, canonical, import_json, items_of, load_document

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"



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
    empty = {f"sections[{i}].items": [str(_l("Section “%(title)s” has no items yet: add one, or delete the "
                                                 "section.", title=section["title"]["sv"] or section["title"]["en"]))]
             for i, section in enumerate(document["sections"]) if not section["items"]}
    if empty:
        raise TemplateFormatError(empty)
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


def version_in_school(school, version_id) -> TemplateVersion | None:
    """A version by id, only if it belongs to `school` (ids of other schools are not an oracle)."""
    try:
        version_id = int(version_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(TemplateVersion).where(TemplateVersion.id == version_id,
                                                           TemplateVersion.school_id == school.id))


# --- the designer: edits to a template's working copy ---------------------------------------

class DesignError(ValueError):
    """An edit that cannot be made (the message says why)."""




def slugify(text: str, fallback: str = "template") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")
    return slug or fallback


def _free_template_key(school, wanted: str) -> str:
    taken = set(db.session.scalars(select(Template.key).where(Template.school_id == school.id)))
    key, n = wanted[:40], 2
    while key in taken:
        suffix = f"-{n}"
        key, n = wanted[: 40 - len(suffix)] + suffix, n + 1
    return key


def create_template(school, user, title: dict, kind: str, document: dict | None = None) -> Template:
    """A new template whose first draft is `document` (or one empty section to add items to)."""
    wanted = (document or {}).get("key") or slugify(title.get("sv") or title.get("en") or "")
    key = _free_template_key(school, wanted)
    if document is None:
        document = {"format": "observe-template/1", "key": key, "kind": kind, "title": title,
                    "sections": [{"key": "s1", "title": {"sv": "Observation", "en": "Observation"},
                                  "items": []}]}
    document = load_document({**document, "key": key})
    template = Template(school_id=school.id, key=key, kind=document["kind"], title=document["title"],
                        draft=document, draft_updated_at=utcnow(), created_by_id=getattr(user, "id", None))
    db.session.add(template)
    db.session.flush()
    return template


def _used_keys(template: Template, document: dict) -> set[str]:
    keys = {item["key"] for item in items_of(document)}
    for version in template.versions:
        keys |= {item["key"] for item in items_of(version.document)}
    return keys


def new_item_key(template: Template, document: dict, prefix: str = "Q") -> str:
    """A key never used by this template before, so a new item never inherits old trends."""
    used = _used_keys(template, document)
    n = 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def _find_item(document: dict, key: str) -> tuple[dict, int]:
    for section in document["sections"]:
        for index, item in enumerate(section["items"]):
            if item["key"] == key:
                return section, index
    raise DesignError(str(_l("There is no item %(key)s in this template.", key=key)))


def _find_section(document: dict, key: str) -> int:
    for index, section in enumerate(document["sections"]):
        if section["key"] == key:
            return index
    raise DesignError(str(_l("There is no section %(key)s in this template.", key=key)))


def update_meta(template: Template, *, title: dict, description: dict, header_note: dict, kind: str) -> dict:
    document = working_document(template)
    document.update(title=title, description=description, header_note=header_note, kind=kind)
    return save_draft(template, document)


def add_section(template: Template, title: dict) -> dict:
    document = working_document(template)
    taken = {s["key"] for s in document["sections"]}
    n = len(taken) + 1
    while f"s{n}" in taken:
        n += 1
    document["sections"].append({"key": f"s{n}", "title": title, "items": []})  # items are added to it next
    return save_draft(template, document)


def change_section(template: Template, section_key: str, op: str, title: dict | None = None,
                   help: dict | None = None) -> dict:
    """Rename (title and guidance), move up/down, or delete a section."""
    document = working_document(template)
    sections = document["sections"]
    index = _find_section(document, section_key)
    if op == "rename" and title is not None:
        sections[index]["title"] = title
        if help is not None:
            sections[index]["help"] = help
    elif op in ("up", "down"):
        other = index - 1 if op == "up" else index + 1
        if 0 <= other < len(sections):
            sections[index], sections[other] = sections[other], sections[index]
    elif op == "delete":
        if len(sections) == 1:
            raise DesignError(str(_l("A template needs at least one section.")))
        sections.pop(index)
    return save_draft(template, document)


def add_item(template: Template, section_key: str, item_type: str, label: dict) -> tuple[dict, str]:
    """Append an item of `item_type` with sensible options; returns (document, new key)."""
    document = working_document(template)
    section = document["sections"][_find_section(document, section_key)]
    key = new_item_key(template, document)
    item = {"key": key, "type": item_type, "label": label}
    two = [{"value": "a", "label": {"sv": "Alternativ A", "en": "Option A"}},
           {"value": "b", "label": {"sv": "Alternativ B", "en": "Option B"}}]
    if item_type == "scale":
        item["scale"] = "F4"
    elif item_type in ("checklist", "choice"):
        item["options"] = two
    elif item_type == "interval":
        item["teacher_codes"] = [{"key": "lec", "label": {"sv": "Föreläser", "en": "Lecturing"}},
                                 {"key": "pq", "label": {"sv": "Ställer fråga", "en": "Poses question"}}]
        item["student_codes"] = [{"key": "l", "label": {"sv": "Lyssnar", "en": "Listening"}},
                                 {"key": "g", "label": {"sv": "Grupparbete", "en": "Group work"}}]
    section["items"].append(item)
    return save_draft(template, document), key


def keep_unedited(old: dict, new: dict) -> dict:
    """An item posted by a page without a field for everything the format holds (an older designer
    page, a script): keep those fields from the item as it was, so editing a label never drops an
    interval sheet's levels, comments or code help, or a timed log's own columns. Today's item editor
    shows them all (`keep=False` below): what it leaves empty is meant so."""
    if old.get("type") != new.get("type") or new.get("type") not in ("interval", "timed_log"):
        return new
    kept = dict(new)
    if new["type"] == "timed_log":
        if "columns" in old and "columns" not in kept:
            kept["columns"] = old["columns"]
        return kept
    for name in ("interval_choices", "interval_comments"):
        if name in old and name not in kept:
            kept[name] = old[name]
    helps = {(who, c["key"]): c["help"] for who in ("teacher_codes", "student_codes")
             for c in old.get(who, []) if c.get("help")}
    for who in ("teacher_codes", "student_codes"):
        kept[who] = [{**c, "help": helps[(who, c["key"])]} if (who, c["key"]) in helps and "help" not in c else c
                     for c in kept.get(who, [])]
    return kept


def replace_item(template: Template, key: str, new_item: dict, keep: bool = True) -> dict:
    """Put an edited item in place of `key` (the whole document is validated again); `keep`: fields
    the editing page did not show are kept from the item as it was (`keep_unedited`)."""
    document = working_document(template)
    section, index = _find_item(document, key)
    section["items"][index] = keep_unedited(section["items"][index], new_item) if keep else new_item
    return save_draft(template, document)


def preview_item(template: Template, key: str, new_item: dict, keep: bool = True) -> dict:
    """The edited item as it would be stored (validated with its whole document), without saving."""
    document = working_document(template)
    section, index = _find_item(document, key)
    if keep:
        new_item = keep_unedited(section["items"][index], new_item)
    section["items"][index] = new_item
    loaded = load_document(document)
    return next(item for item in items_of(loaded) if item["key"] == new_item["key"])


def add_measure(template: Template, measure: dict) -> dict:
    """Append a derived measure under a fresh key (m1, m2, …); the document schema checks what it names."""
    document = working_document(template)
    taken = {item["key"] for item in items_of(document)} | {m["key"] for m in document.get("measures", [])}
    n = 1
    while f"m{n}" in taken:
        n += 1
    document.setdefault("measures", []).append({**measure, "key": f"m{n}"})
    return save_draft(template, document)


def delete_measure(template: Template, key: str) -> dict:
    document = working_document(template)
    kept = [m for m in document.get("measures", []) if m["key"] != key]
    if len(kept) == len(document.get("measures", [])):
        raise DesignError(str(_l("That measure is not in the draft.")))
    document["measures"] = kept
    return save_draft(template, document)


def change_item(template: Template, key: str, op: str) -> dict:
    """Move an item up/down (across section borders at the ends), duplicate or delete it."""
    document = working_document(template)
    section, index = _find_item(document, key)
    items = section["items"]
    s_index = document["sections"].index(section)
    if op in ("up", "down"):
        step = -1 if op == "up" else 1
        if 0 <= index + step < len(items):
            items[index], items[index + step] = items[index + step], items[index]
        elif 0 <= s_index + step < len(document["sections"]) and len(items) > 1:
            item = items.pop(index)
            target = document["sections"][s_index + step]["items"]
            target.insert(len(target) if op == "up" else 0, item)
    elif op == "duplicate":
        copy = json.loads(json.dumps(items[index]))
        copy["key"] = new_item_key(template, document)
        items.insert(index + 1, copy)
    elif op == "delete":
        if len(items) == 1:
            raise DesignError(str(_l("A section needs at least one item; delete the section instead.")))
        items.pop(index)
    return save_draft(template, document)


def discard_draft(template: Template) -> None:
    if template.latest is None:
        raise DesignError(str(_l("This template has never been published; there is nothing to go back to.")))
    template.draft = None
    template.draft_updated_at = None
    db.session.flush()


def set_status(template: Template, status: str) -> None:
    template.status = TemplateStatus(status)
    db.session.flush()


def clone_template(source: Template, school, user) -> Template:
    """A new draft template in `school` starting from the source's latest version (or its draft)."""
    if source.school_id == school.id:
        document = working_document(source)
    else:
        document = json.loads(json.dumps(source.latest.document))  # other schools: published only
    title = {lang: (f"{text} (kopia)" if lang == "sv" else f"{text} (copy)") if text else ""
             for lang, text in document["title"].items()}
    document["title"] = title
    return create_template(school, user, title, document["kind"], document)


def import_template(school, user, text: str | bytes) -> Template:
    """Create a draft template from an exported file; an invalid file creates nothing."""
    document = import_json(text)
    # Marked, so the copy is never mistaken for the template it came from (at the school or elsewhere).
    document["title"] = {lang: f"{text[:180]} ({'importerad' if lang == 'sv' else 'imported'})" if text else ""
                         for lang, text in document["title"].items()}
    return create_template(school, user, document["title"], document["kind"], document)


def set_coauthors(template: Template, users: list) -> None:
    template.coauthors = list(users)
    db.session.flush()
