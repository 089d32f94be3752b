"""The merge screen: the author sees both versions of a conflicting record and merges them.

Pages for people (flask-wtf, CSRF, post/redirect/get) beside the JSON API of views.py:
`/conflicts/` lists the signed-in user's open conflicts, `/conflicts/<id>` shows the
server's version and the device's side by side, item by item, with the fields that differ
marked. For each differing field the author keeps the server's, keeps theirs or writes a
merged text; saving calls `resolve_conflict` (one write path, the same as
`POST /api/v1/conflicts/<id>/resolve`). A merge built on a server copy that has moved on
is refused and the new comparison is shown: nothing is overwritten silently.
"""
from __future__ import annotations

import datetime as dt
import uuid as uuid_mod
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from sqlalchemy import select
from wtforms import HiddenField

from ..audit import services as audit
from ..auth.permissions import current_school, sync_conflict_for
from ..dbtypes import utcnow
from ..extensions import db
from ..feedback.sync_record import device_content
from ..templates_.items import field_name
from ..templates_.schemas import items_of
from ..visits.display import readable_answers
from ..visits.form_versions import stored_notes
from ..visits.models import Observation, ObservationStatus, Visit
from ..visits.sync_rules import find_observation, find_visit, observation_for_conflict
from ..visits.sync_schemas import NoteSchema
from .conflicts import describe_conflict, open_conflicts, resolve_conflict
from .models import SyncConflict
from .records import CONFLICT, UPDATED

bp = Blueprint("merge", __name__, url_prefix="/conflicts")

SERVER, MINE, EDIT, BOTH = "server", "mine", "edit", "both"
RECENTLY_RESOLVED = dt.timedelta(days=30)  # how long a device is told about merges made elsewhere


class MergeForm(FlaskForm):
    """The CSRF token and the server revision the comparison was built from; the per-field
    choices (`pick.<field>`, `merged.<field>`) depend on the template and are read by the view."""

    base_revision = HiddenField()


# --- turning answers back into the form engine's fields ------------------------------------

def answer_fields(item: dict, answer: dict) -> dict[str, list[str]]:
    """The inputs the form engine would post for `answer` (the inverse of items.parse_answers)."""
    key, kind = item["key"], item["type"]
    value = answer.get("value")
    fields: dict[str, list[str]] = {}
    if value not in (None, "", [], {}):
        if kind == "checklist":
            fields[field_name(key)] = [str(v) for v in value]
        elif kind == "x_of_y":
            fields[field_name(key, "x")] = [str(value["x"])]
            fields[field_name(key, "y")] = [str(value["y"])]
        elif kind == "timed_log":
            for index, row in enumerate(value):
                for part, text in row.items():
                    fields[field_name(key, index, part)] = [str(text)]
        elif kind == "interval":
            for index, cell in enumerate(value):
                for who, codes in cell.items():
                    fields[field_name(key, index, who)] = [str(c) for c in codes]
        else:
            fields[field_name(key)] = [str(value)]
    if answer.get("evidence"):
        fields[field_name(key, "evidence")] = [answer["evidence"]]
    return fields


# --- the comparison --------------------------------------------------------------------------

@dataclass
class MergeField:
    """One thing the author may choose between: an item's answer, its evidence note, the notes or the status."""

    name: str  # "W9", "W9.evidence", "notes", "status": the suffix of pick.<name> and merged.<name>
    label: object  # a bilingual {"sv", "en"} label or a plain string
    server: list  # readable parts (strings or bilingual dicts)
    mine: list
    server_value: object = None
    mine_value: object = None
    free_text: bool = False  # a merged text may be written
    lines: bool = False  # its parts are lines (notes, log rows, intervals), not a list of choices
    choices: tuple = (SERVER, MINE)
    errors: list = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return self.server_value != self.mine_value

    @property
    def input_names(self) -> set[str]:
        key, _sep, part = self.name.partition(".")
        return {f"a.{self.name}"} if part else {f"a.{key}", f"a.{key}.x", f"a.{key}.y"}


@dataclass
class Comparison:
    conflict: SyncConflict
    observation: Observation | None
    sections: list = field(default_factory=list)  # [(title, [MergeField])]
    extra: list = field(default_factory=list)  # notes and status
    other_version: bool = False  # the device filled in another template version
    feedback: dict | None = None  # a feedback conflict: the server's copy (FeedbackCopySchema)

    @property
    def revision(self) -> int | None:
        """The server revision the comparison was drawn from; None when there is no server copy."""
        if self.observation is not None:
            return self.observation.revision
        return self.feedback["revision"] if self.feedback else None

    @property
    def fields(self) -> list[MergeField]:
        return [f for _title, fields in self.sections for f in fields] + self.extra

    @property
    def differing(self) -> list[MergeField]:
        return [f for f in self.fields if f.differs]


def _clean_notes(notes) -> list[dict]:
    """Notes as the server stores them ({at: ISO UTC, text}), whatever the device sent."""
    try:
        loaded = NoteSchema(many=True).load(notes if isinstance(notes, list) else [])
    except ValidationError:
        return []
    return stored_notes(loaded)


def _note_parts(notes: list[dict]) -> list[str]:
    from ..visits.views import note_time

    return [f"{note_time(n['at'])} {n['text']}" for n in notes]


def _status_parts(status: str) -> list[str]:
    return [_("Finished") if status == ObservationStatus.COMPLETE else _("Draft")]


def _readable_by_key(document: dict, answers: dict) -> dict[str, dict]:
    return {row["key"]: row for section in readable_answers(document, answers) for row in section["rows"]}


def compare(school, conflict: SyncConflict) -> Comparison:
    """Both versions of a conflict, field by field."""
    if conflict.record_type == "feedback":
        return _compare_feedback(school, conflict)
    return _compare_observation(school, conflict)


def _compare_observation(school, conflict: SyncConflict) -> Comparison:
    """Both versions of an observation conflict, field by field, from the server's template version."""
    described = describe_conflict(school, conflict)
    obs = observation_for_conflict(school, conflict) if described.get("server") else None
    comparison = Comparison(conflict=conflict, observation=obs)
    if obs is None:
        return comparison
    document = obs.template_version.document
    comparison.other_version = conflict.payload.get("template_version_id") != obs.template_version_id
    server_answers = obs.answers or {}
    mine_answers = described.get("device_answers") or {}
    server_rows, mine_rows = _readable_by_key(document, server_answers), _readable_by_key(document, mine_answers)
    for section in document.get("sections", []):
        fields = []
        for item in items_of({"sections": [section]}):
            key = item["key"]
            ours, theirs = server_answers.get(key) or {}, mine_answers.get(key) or {}
            if "value" in ours or "value" in theirs:
                fields.append(MergeField(
                    name=key, label=item["label"],
                    server=(server_rows.get(key) or {}).get("parts") or [],
                    mine=(mine_rows.get(key) or {}).get("parts") or [],
                    server_value=ours.get("value"), mine_value=theirs.get("value"),
                    free_text=item["type"] == "text", lines=item["type"] in ("timed_log", "interval")))
            if ours.get("evidence") or theirs.get("evidence"):
                fields.append(MergeField(
                    name=f"{key}.evidence", label=item["label"],
                    server=[ours["evidence"]] if ours.get("evidence") else [],
                    mine=[theirs["evidence"]] if theirs.get("evidence") else [],
                    server_value=ours.get("evidence"), mine_value=theirs.get("evidence"), free_text=True))
        if fields:
            comparison.sections.append((section.get("title"), fields))
    server_notes, mine_notes = list(obs.notes or []), _clean_notes(conflict.payload.get("notes"))
    if server_notes or mine_notes:
        comparison.extra.append(MergeField(
            name="notes", label=_("Notes"), server=_note_parts(server_notes), mine=_note_parts(mine_notes),
            server_value=server_notes, mine_value=mine_notes, choices=(SERVER, MINE, BOTH), lines=True))
    mine_status = conflict.payload.get("status")
    mine_status = mine_status if mine_status in list(ObservationStatus) else ObservationStatus.DRAFT.value
    comparison.extra.append(MergeField(
        name="status", label=_("Status"), server=_status_parts(obs.status), mine=_status_parts(mine_status),
        server_value=obs.status, mine_value=mine_status))
    return comparison


def _strength_parts(strengths: list[dict]) -> list[str]:
    return [f"{s['text']} — {s['evidence']}" if s.get("evidence") else s["text"] for s in strengths]


def _due_parts(due_on) -> list[str]:
    from flask_babel import format_date

    return [format_date(dt.date.fromisoformat(str(due_on)), "d MMM y")] if due_on else []


def _compare_feedback(school, conflict: SyncConflict) -> Comparison:
    """Both versions of a feedback draft: summary, strengths, development area and next step."""
    server = describe_conflict(school, conflict).get("server")
    comparison = Comparison(conflict=conflict, observation=None, feedback=server)
    if server is None:
        return comparison
    mine = device_content(conflict.payload or {})
    step_s, step_m = server.get("next_step") or {}, mine.get("next_step") or {}
    text = {"free_text": True}
    comparison.sections.append((_("Feedback draft"), [
        MergeField("summary", _("Summary"), [server["summary"]] if server.get("summary") else [],
                   [mine["summary"]] if mine.get("summary") else [], server.get("summary"), mine.get("summary"),
                   **text),
        MergeField("strengths", _("Strengths"), _strength_parts(server.get("strengths") or []),
                   _strength_parts(mine.get("strengths") or []), server.get("strengths") or [],
                   mine.get("strengths") or [], lines=True, choices=(SERVER, MINE, BOTH)),
        MergeField("development_area", _("Development area"),
                   [server["development_area"]] if server.get("development_area") else [],
                   [mine["development_area"]] if mine.get("development_area") else [],
                   server.get("development_area"), mine.get("development_area"), **text),
        MergeField("next_step", _("Next step"), [step_s["text"]] if step_s.get("text") else [],
                   [step_m["text"]] if step_m.get("text") else [], step_s.get("text"), step_m.get("text"), **text),
        MergeField("next_step.due", _("Due date of the next step"), _due_parts(step_s.get("due_on")),
                   _due_parts(step_m.get("due_on")), step_s.get("due_on"), step_m.get("due_on")),
    ]))
    return comparison


def _both(merge_field: MergeField) -> list[dict]:
    """Notes of both versions in time order; strengths of both, each once (server's first)."""
    rows = [*merge_field.server_value, *merge_field.mine_value]
    if merge_field.name == "notes":
        return sorted({(n["at"], n["text"]): n for n in rows}.values(), key=lambda n: n["at"])
    return list({(r["text"], r["evidence"]): r for r in rows}.values())


def _chosen(comparison: Comparison, form) -> tuple[dict[str, object], dict[str, list[str]]]:
    """The value the author kept for every field (the server's where both agree), and pick errors."""
    chosen: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    for merge_field in comparison.fields:
        if not merge_field.differs:
            chosen[merge_field.name] = merge_field.server_value
            continue
        pick = form.get(f"pick.{merge_field.name}")
        allowed = merge_field.choices + ((EDIT,) if merge_field.free_text else ())
        if pick not in allowed:
            errors[merge_field.name] = [_("Choose which version to keep.")]
        elif pick == EDIT:
            chosen[merge_field.name] = (form.get(f"merged.{merge_field.name}") or "").strip() or None
        elif pick == BOTH:
            chosen[merge_field.name] = _both(merge_field)
        else:
            chosen[merge_field.name] = merge_field.server_value if pick == SERVER else merge_field.mine_value
    return chosen, errors


def merged_record(comparison: Comparison, form) -> tuple[dict | None, dict[str, list[str]]]:
    """(the merge for resolve_conflict, pick errors by field name) from the posted choices."""
    chosen, errors = _chosen(comparison, form)
    if errors:
        return None, errors
    if comparison.feedback is not None:
        step_text = chosen["next_step"] or ""
        return {"base_revision": comparison.revision, "summary": chosen["summary"] or "",
                "strengths": chosen["strengths"][:10], "development_area": chosen["development_area"] or "",
                "next_step": {"text": step_text, "due_on": chosen["next_step.due"]} if step_text.strip() else None,
                }, errors
    obs = comparison.observation
    fields: dict[str, list[str]] = {}
    server_answers = obs.answers or {}
    for item in items_of(obs.template_version.document):
        key = item["key"]
        answer = dict(server_answers.get(key) or {})
        for part, name in (("value", key), ("evidence", f"{key}.evidence")):
            if name in chosen:
                answer[part] = chosen[name]
        fields.update(answer_fields(item, answer))
    notes = chosen.get("notes", list(obs.notes or []))
    return {"base_revision": obs.revision, "fields": fields, "notes": notes,
            "status": chosen.get("status", obs.status)}, errors


def attach_errors(comparison: Comparison, errors: dict[str, list[str]]) -> list[str]:
    """Put each message next to its field; return those that belong to no field."""
    left = []
    for name, messages in errors.items():
        target = next((f for f in comparison.fields if f.name == name or name in f.input_names), None)
        if target is None:
            left.extend(messages)
        else:
            target.errors.extend(messages)
    return left


# --- what other pages show ----------------------------------------------------------------------

def _visit_of(school, conflict: SyncConflict) -> Visit | None:
    payload = conflict.payload or {}
    visit_uuid = (payload.get("visit") or {}).get("uuid") if isinstance(payload.get("visit"), dict) \
        else payload.get("visit_uuid")
    try:
        visit = find_visit(school, uuid_mod.UUID(str(visit_uuid))) if visit_uuid else None
    except ValueError:
        visit = None
    if visit is None:
        obs = find_observation(school, conflict.record_uuid)
        visit = obs.visit if obs is not None else None
    return visit


@bp.app_template_global()
def my_open_conflicts(visit=None) -> list[SyncConflict]:
    """The signed-in user's open conflicts in the current school (on `visit` only, if given)."""
    school = current_school()
    if school is None or not getattr(current_user, "is_authenticated", False):
        return []
    conflicts = open_conflicts(current_user, school)
    if visit is None:
        return conflicts
    return [c for c in conflicts if (v := _visit_of(school, c)) is not None and v.id == visit.id]


def _recently_merged(school) -> list[dict]:
    """Records of this user merged lately with nothing open on them: the device stops showing "conflict"."""
    since = utcnow() - RECENTLY_RESOLVED
    resolved = db.session.execute(
        select(SyncConflict).where(SyncConflict.school_id == school.id, SyncConflict.user_id == current_user.id,
                                   SyncConflict.resolved_at.is_not(None), SyncConflict.resolved_at >= since)
        .order_by(SyncConflict.resolved_at.desc()).limit(50)).scalars()
    still_open = {c.record_uuid for c in open_conflicts(current_user, school)}
    merged = {}
    for conflict in resolved:
        if conflict.record_uuid in still_open or conflict.record_uuid in merged:
            continue
        copy = describe_conflict(school, conflict).get("server")
        if copy:
            merged[conflict.record_uuid] = {"uuid": str(conflict.record_uuid), "revision": copy["revision"]}
    return list(merged.values())


# --- pages ----------------------------------------------------------------------------------------

def _school():
    school = current_school()
    if school is None:
        abort(404)
    return school


@bp.route("/")
@login_required
def index():
    school = _school()
    rows = [(c, _visit_of(school, c)) for c in open_conflicts(current_user, school)]
    return render_template("sync/conflicts.html", rows=rows, merged=_recently_merged(school))


@bp.route("/<int:conflict_id>", methods=["GET", "POST"])
@login_required
def merge(conflict_id: int):
    school = _school()
    conflict = sync_conflict_for(current_user, conflict_id)
    visit = _visit_of(school, conflict)
    form = MergeForm()
    comparison = compare(school, conflict)
    status, problems, moved_on = 200, [], False
    if comparison.revision is not None and form.validate_on_submit():
        merged, errors = merged_record(comparison, request.form)
        if form.base_revision.data != str(comparison.revision):
            moved_on, errors = True, {}  # the server copy changed after the page was drawn: choose again
        elif merged is not None:
            result = resolve_conflict(current_user._get_current_object(), school, conflict, merged)
            if result["status"] == UPDATED:
                flash(_("The merged version is saved on the server (revision %(n)d). The conflict is closed.",
                        n=result["revision"]), "success")
                return redirect(url_for("merge.index"))
            moved_on = result["status"] == CONFLICT
            errors = _field_errors(result.get("fields") or {})
        if moved_on:
            comparison = compare(school, db.session.get(SyncConflict, conflict.id))
            problems.append(_("The server's version changed while you were merging. Nothing was saved: "
                              "here is the new comparison; choose again and save."))
        status = 409 if moved_on else 422
        problems += attach_errors(comparison, errors)
        if status == 422 and not problems:
            problems.append(_("Nothing was saved yet: see the messages at the fields below."))
    elif request.method == "POST":
        status = 400 if comparison.revision is not None else 409
        problems.append(_("The form could not be read. Please try again.") if status == 400
                        else _("There is nothing to merge into: the server copy no longer exists."))
    if comparison.revision is not None:
        form.base_revision.data = str(comparison.revision)
    if visit is not None:
        audit.record("visit.view", visit, page="merge")
    db.session.commit()
    return render_template("sync/merge.html", conflict=conflict, visit=visit, form=form, comparison=comparison,
                           problems=problems, picks=_kept_input(status)), status


def _field_errors(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """The feedback rules name their fields as the feedback form does; the merge screen's names differ."""
    renamed: dict[str, list[str]] = {}
    for name, messages in fields.items():
        target = ("strengths" if name.startswith("strength") else
                  "next_step.due" if name in ("next_step_due", "next_step.due_on") else name)
        renamed.setdefault(target, []).extend(messages)
    return renamed


def _kept_input(status: int) -> dict:
    """What the author posted, to draw again; after a 409 only the texts they wrote (the choices
    referred to a server version that has changed, so they are asked again)."""
    if status == 200:
        return {}
    return {k: v for k, v in request.form.items() if status != 409 or k.startswith("merged.")}
