"""The template versions an observation is written against, and the form engine's parse.

Published versions never change, so the write path keeps one parsed copy of each document
per process (`form_versions`); a record names its version by id, and any version ever
published in the school stays valid forever.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from ..extensions import db
from ..sync.records import Rejected, iso, jsonable
from ..templates_ import items
from ..templates_.models import TemplateVersion
from .models import ObservationStatus


def parse_fields(version: FormVersion | TemplateVersion, form_fields: dict, status: str) -> dict:
    """The form engine's parse (one function for online, offline and API); Rejected on errors,
    among them every posted name that is no input of this version (never stored half)."""
    answers, errors = items.parse_answers(version.document, form_fields, strict=True,
                                          complete=status == ObservationStatus.COMPLETE)
    if errors:
        raise Rejected({key: [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
                        for key, msgs in errors.items()})
    return jsonable(answers)


def stored_notes(notes: list[dict]) -> list[dict]:
    """Notes as the server stores them ({at: ISO UTC, text}); empty ones dropped."""
    return [{"at": iso(n["at"]), "text": n["text"]} for n in notes if n["text"].strip()]


@dataclass(frozen=True)
class FormVersion:
    """What the write path needs of a template version. Published versions never change, so one
    parsed copy of each document per process serves every request and thread (see `form_versions`);
    nothing may modify `document`."""

    id: int
    document: dict


_VERSIONS_AT_SCHOOL = select(TemplateVersion.id, TemplateVersion.published_at, TemplateVersion.content_hash).where(
    TemplateVersion.school_id == bindparam("school_id"), TemplateVersion.id.in_(bindparam("ids", expanding=True)))
# (id, published_at, content_hash) -> FormVersion: the key identifies one published row even if a
# database is replaced under a running process (ids reused), so a stale document is never served.
_FORM_VERSIONS: dict[tuple, FormVersion] = {}
_FORM_VERSIONS_MAX = 512


def form_versions(school, version_ids) -> dict[int, FormVersion]:
    """The versions among `version_ids` published in `school` (old versions stay valid forever):
    one small query, plus one for documents this process has not parsed yet."""
    ids = {i for i in version_ids if isinstance(i, int)}
    if not ids:
        return {}
    rows = db.session.connection().execute(_VERSIONS_AT_SCHOOL, {"school_id": school.id, "ids": list(ids)}).all()
    keys = {row.id: (row.id, row.published_at, row.content_hash) for row in rows}
    found: dict[int, FormVersion] = {}
    for version_id, key in keys.items():
        version = _FORM_VERSIONS.get(key)  # one lookup: another thread may clear the cache meanwhile
        if version is not None:
            found[version_id] = version
    missing = [version_id for version_id in keys if version_id not in found]
    if missing:
        if len(_FORM_VERSIONS) + len(missing) > _FORM_VERSIONS_MAX:
            _FORM_VERSIONS.clear()
        for version_id, document in db.session.execute(
                select(TemplateVersion.id, TemplateVersion.document).where(TemplateVersion.id.in_(missing))):
            found[version_id] = _FORM_VERSIONS[keys[version_id]] = FormVersion(version_id, document)
    return found


def template_version(school, version_id: int) -> FormVersion:
    """Any version ever published in this school (old versions stay valid forever)."""
    version = form_versions(school, [version_id]).get(version_id)
    if version is None:
        raise Rejected({"template_version_id": [_("This form version does not exist at your school.")]})
    return version
