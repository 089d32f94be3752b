"""Builds the service worker: the precache list and a content hash over every file it serves.

The hash goes into the cache name, so any change to a CSS/JS/icon file, the worker
source or the offline page yields a new worker (the browser compares /sw.js byte for
byte) and a fresh, complete cache; unchanged files yield the same worker.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, url_for
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from .. import bundles
from ..auth.permissions import can_start_spontaneous_visit, current_school
from ..extensions import db
from ..feedback.models import Feedback, FeedbackStatus
from ..templates_.choice import usable_versions
from ..visits.models import Visit, VisitKind, VisitStatus

ROOT = Path(__file__).resolve().parent.parent.parent
WORKER_DIR = ROOT / "service_worker"
# Strategies first: the event wiring in sw.js calls them.
WORKER_SOURCES = ("strategies.js", "sw.js")
STATIC_SUFFIXES = {".css", ".js", ".svg", ".png", ".ico", ".woff2", ".json"}
# Templates whose output is precached (the offline page) or frames every cached page.
TEMPLATE_SOURCES = ("pwa/offline.html", "base.html", "_sync_status.html")

# Pages worth keeping for offline use (path regexes, matched by the worker on navigation).
# A view elsewhere can also opt in by sending the response header `X-Observe-Offline: 1`.
OFFLINE_PAGE_PATTERNS = (
    r"^/$",
    r"^/visits/?$",
    r"^/visits/new(/[a-z]+)?/?$",
    r"^/visits/[0-9a-f-]{36}(/[a-z-]+)?/?$",
    r"^/feedback/visit/[0-9a-f-]{36}/?$",
    r"^/offline/visit$",
    r"^/insights/?$",  # the dashboard as last opened online (one copy, whatever its filters)
)
# Endpoints to fetch into the page cache right after an online visit (missing ones are skipped).
# "/offline/visit" stands in for the page of a visit the server has not seen yet (finished offline);
# "/visits/new" is the school's teacher list (the picker of a spontaneous visit).
WARM_PATHS = ("/", "/visits/new", "/visits/new/spontaneous", "/visits/", "/offline/visit")
RECENT_VISITS = 20
# Query parameters that make another page in the page cache, per path (the worker ignores every other
# one, so `?draft=…` shows the page it was typed on): the walkthrough form of each template one may
# pick. Only there: the insights dashboard's `?template=` filter still keeps one copy.
PAGE_KEY_PARAMS = {r"^/visits/new/spontaneous/?$": ("template",)}
# Walkthrough templates kept besides the school's default (a form page is 20-60 KB: at most some 700 KB).
PICKABLE_TEMPLATES = 12


@dataclass(frozen=True)
class Build:
    version: str  # short content hash; part of the cache name
    static_files: tuple[str, ...]  # paths relative to the static folder


_cache: dict = {}


def _files(app: Flask) -> list[tuple[str, Path]]:
    static = Path(app.static_folder)
    found = [(f"static/{p.relative_to(static).as_posix()}", p) for p in sorted(static.rglob("*"))
             if p.is_file() and p.suffix in STATIC_SUFFIXES]
    found += [(f"worker/{name}", WORKER_DIR / name) for name in WORKER_SOURCES]
    templates = Path(app.template_folder)
    found += [(f"templates/{name}", templates / name) for name in TEMPLATE_SOURCES if (templates / name).exists()]
    return found


def current_build(app: Flask) -> Build:
    """Hash of the files' content (re-read only when a file's size or mtime changed)."""
    files = _files(app)
    salt = app.config.get("OBSERVE_BUILD_SALT", "")  # lets a deployment (or a test) force a new version
    signature = (salt, tuple((name, p.stat().st_mtime_ns, p.stat().st_size) for name, p in files))
    if _cache.get("signature") == signature:
        return _cache["build"]
    digest = hashlib.sha256(salt.encode())
    for name, path in files:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name in sorted(bundles.BUNDLES):  # built from the files above, but also by observe/bundles.py
        digest.update(f"bundle/{name}".encode() + b"\0" + bundles.bundle(app.static_folder, name).source + b"\0")
    build = Build(version=digest.hexdigest()[:16],
                  static_files=tuple(name.removeprefix("static/") for name, _ in files if name.startswith("static/")))
    _cache.update(signature=signature, build=build)
    return build


def render_worker(build: Build, offline_url: str) -> str:
    config = {
        "version": build.version,
        "precache": [url_for("static", filename=name) for name in build.static_files]
        + [url_for("bundle", bundle=name, v=bundles.bundle(current_app.static_folder, name).digest)
           for name in sorted(bundles.BUNDLES)]
        + [offline_url, url_for("pwa.manifest")],
        "offlineUrl": offline_url,
        "visitShellUrl": url_for("pwa.offline_visit"),
        "pagePatterns": list(OFFLINE_PAGE_PATTERNS),
        "pageKeyParams": {path: list(names) for path, names in PAGE_KEY_PARAMS.items()},
    }
    parts = [f"/* Observe service worker, build {build.version}. Generated by observe/pwa. */",
             f"const OBSERVE = {json.dumps(config, indent=1)};"]
    parts += [(WORKER_DIR / name).read_text(encoding="utf-8") for name in WORKER_SOURCES]
    return "\n".join(parts)


def _route_exists(app: Flask, path: str) -> bool:
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:
        return False
    except HTTPException:
        return False
    return True


def offline_urls(user) -> list[str]:
    """Home, start-a-visit pages, the user's own open visits, and the pages of their recent
    finished visits whose feedback they still write (no feedback yet, or a draft)."""

    urls = [path for path in WARM_PATHS if _route_exists(current_app, path)]
    urls += walkthrough_template_urls(user)
    visits = db.session.execute(
        select(Visit.uuid).where(Visit.school_id.in_(user.school_ids), Visit.observer_id == user.id,
                                 Visit.status.in_([VisitStatus.PLANNED, VisitStatus.IN_PROGRESS]))
        .order_by(Visit.scheduled_at.desc(), Visit.id.desc()).limit(RECENT_VISITS)
    ).scalars()
    for visit_uuid in visits:
        for path in (f"/visits/{visit_uuid}/observe", f"/visits/{visit_uuid}"):
            if _route_exists(current_app, path):
                urls.append(path)
    # Mirrors permissions.can_write_feedback (observer, a teacher, not a peer visit), as one query.
    finished = db.session.execute(
        select(Visit.uuid).outerjoin(Feedback, Feedback.visit_id == Visit.id)
        .where(Visit.school_id.in_(user.school_ids), Visit.observer_id == user.id,
               Visit.status == VisitStatus.COMPLETED, Visit.teacher_id.is_not(None), Visit.kind != VisitKind.PEER,
               (Feedback.id.is_(None)) | (Feedback.status == FeedbackStatus.DRAFT))
        .order_by(Visit.ended_at.desc().nulls_last(), Visit.id.desc()).limit(RECENT_VISITS)
    ).scalars()
    urls += [f"/visits/{visit_uuid}" for visit_uuid in finished]
    return urls


def walkthrough_template_urls(user) -> list[str]:
    """The walkthrough form of every other published template the user may pick on the start page
    (its default is `/visits/new/spontaneous`), so that picking one offline opens that form."""
    school = current_school()
    if school is None or not can_start_spontaneous_visit(user, school.id):
        return []
    others = usable_versions(school, "walkthrough")[1:PICKABLE_TEMPLATES + 1]
    return [f"/visits/new/spontaneous?template={version.template_id}" for version in others]
