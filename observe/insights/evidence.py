"""Free-text evidence search for a school's leaders: the words behind the figures."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import String, and_, cast, func, or_, select

from ..auth.permissions import can_view_visit
from ..extensions import db
from ..templates_.models import Template, TemplateVersion
from ..visits.models import Observation, Visit
from .filters import Filters, Shape, parameters
from .formatting import label_text
from .statements import group_filtered, visit_filtered


@dataclass
class EvidenceHit:
    observed_on: dt.date | None
    item_label: str
    text: str
    visit: Visit | None  # set only when the viewer may open the visit (then names may show)


def search_evidence(user, filters: Filters, term: str, limit: int = 30) -> list[EvidenceHit]:
    """Evidence notes and free-text answers containing `term` (case-insensitive).

    The database narrows the candidates with LIKE over the stored answers; Python then
    picks the matching notes out of at most `limit` observations. Peer visits never
    appear: their notes belong to the pair. The visit (and so the teacher's name) is
    attached only when the viewer may see that visit.
    """
    term = term.strip()
    if not term:
        return []
    stored = cast(Observation.answers, String)
    variants = {term, term.lower(), term.upper(), term.capitalize()}
    patterns = set()
    for variant in variants:
        patterns.add(_like(variant))
        patterns.add(_like(json.dumps(variant)[1:-1]))  # SQLite keeps JSON \\u-escaped
    day = func.coalesce(Visit.started_at, Visit.scheduled_at, Visit.created_at)
    start = dt.datetime.combine(filters.start, dt.time.min, tzinfo=dt.timezone.utc)
    end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.timezone.utc)
    query = (select(Observation, Visit).join(Visit, Visit.id == Observation.visit_id)
             .where(Observation.school_id.in_(filters.school_ids), Observation.status == "complete",
                    Visit.kind != "peer",
                    day >= start, day < end, or_(*[stored.ilike(p, escape="!") for p in patterns]))
             .order_by(day.desc()).limit(limit))
    if filters.kind:
        query = query.where(Visit.kind == filters.kind)
    if filters.subject or filters.year_group:
        query = query.where(Observation.id.in_(visit_filtered(Shape.of(filters).visit_level)))
    if filters.group_id:
        query = query.where(Observation.id.in_(group_filtered()))
    if filters.template_key:
        query = query.join(TemplateVersion, TemplateVersion.id == Observation.template_version_id).join(
            Template, and_(Template.id == TemplateVersion.template_id, Template.key == filters.template_key))
    needle = term.casefold()
    hits = []
    for observation, visit in db.session.execute(query, parameters(filters)).all():
        items = {item["key"]: item for item in observation.template_version.items()}
        for key, answer in (observation.answers or {}).items():
            if filters.item_key and key != filters.item_key:
                continue
            texts = [answer.get("evidence")]
            if isinstance(answer.get("value"), str) and items.get(key, {}).get("type") == "text":
                texts.append(answer["value"])
            for text in texts:
                if isinstance(text, str) and needle in text.casefold():
                    visible = visit if can_view_visit(user, visit) else None
                    hits.append(EvidenceHit(observed_on=(visit.started_at or visit.created_at).date(),
                                            item_label=label_text(items.get(key, {}).get("label")) or key,
                                            text=text, visit=visible))
    return hits


def _like(text: str) -> str:
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"

