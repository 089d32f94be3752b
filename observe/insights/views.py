"""Leadership dashboard: aggregated observations, patterns not people."""
from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..audit.services import record
from ..auth.permissions import insights_schools, may_view_insights
from ..extensions import db
from ..schools.models import School, TeacherGroup
from . import charts, evidence, export as exports, report, services
from .workbook import workbook
from .forms import FilterForm, choices

bp = Blueprint("insights", __name__, url_prefix="/insights")


@bp.app_context_processor
def _nav_link():
    return {"show_insights_link": may_view_insights(current_user)}


@bp.app_template_global("interval_timeline_geometry")
def _interval_timeline_geometry(item, value):
    """For templates/insights/_interval_timeline.html, usable from any page (e.g. a visit page)."""
    return charts.interval_timeline(item, value)


def _board():
    """Parse the filters (choices limited to what the viewer may see) and compute the dashboard."""
    schools = insights_schools(current_user)
    if not schools:
        abort(403)
    form = FilterForm(request.args)
    today = dt.date.today()
    org_level = current_user.is_org_leader
    form.school.choices = choices(([("", _l("All schools"))] if org_level else []) + [(str(s.id), s.name) for s in schools])
    chosen = form.school.data or ("" if org_level else str(schools[0].id))
    if chosen:
        if chosen not in {str(s.id) for s in schools}:
            abort(404)  # another organisation's school: not an oracle
        school_ids = (int(chosen),)
    else:
        school_ids = tuple(s.id for s in schools)
    form.school.data = chosen
    terms = services.recent_terms(today)
    form.term.choices = choices([(t, services.term_label(t)) for t in terms])
    if form.term.data not in terms:
        form.term.data = services.term_of(today)
    start, end = form.period_range(today, services.term_range, services.month_range)
    templates = services.template_choices(school_ids)
    form.template.choices = choices([(key, title) for key, title, _kind in templates])
    if form.template.data not in {key for key, _t, _k in templates}:
        form.template.data = services.most_used_template(school_ids, start, end, templates)
    # The template's versions, read once: its items for the filter and the figures, its latest for the measures.
    documents = services.version_documents(school_ids, form.template.data or None)
    catalogue = services.items_of(documents)
    form.item.choices = choices([("", _l("All items"))] + [
        (item["key"], services.item_title(item["key"], item.get("label"))) for item in catalogue])
    subjects, year_groups = services.visit_values(school_ids)
    form.subject.choices = choices([("", _l("All subjects"))] + [(v, v) for v in subjects])
    form.year_group.choices = choices([("", _l("All year groups"))] + [(v, v) for v in year_groups])
    # One query, not one per school (an organisation leader sees every school).
    groups = db.session.execute(select(TeacherGroup).join(School, School.id == TeacherGroup.school_id)
                                .options(contains_eager(TeacherGroup.school))
                                .where(TeacherGroup.school_id.in_(school_ids))
                                .order_by(School.name, TeacherGroup.name)).scalars().all()
    # An organisation's schools each have their "Arbetslag F–3": name the school when groups of several are offered.
    several = len({g.school_id for g in groups}) > 1
    form.group.choices = choices([("", _l("All teacher groups"))] + [
        (str(g.id), f"{g.school.name} · {g.name}" if several else g.name) for g in groups])
    form.compare_subject.choices = form.subject.choices
    form.compare_year_group.choices = form.year_group.choices
    form.compare_group.choices = form.group.choices
    group_ids = {str(g.id) for g in groups}
    form.validate()
    group_id = int(form.group.data) if form.group.data in group_ids else None
    filters = services.Filters(
        school_ids=school_ids, start=start, end=end, template_key=form.template.data or None,
        item_key=form.item.data or None, kind=form.kind.data or None, subject=form.subject.data or None,
        year_group=form.year_group.data or None, group_id=group_id)
    threshold = services.Threshold.for_organisation(schools[0].organisation)
    board = services.dashboard(filters, threshold, catalogue,
                               documents[0] if filters.template_key and documents else None)
    board.label = f"{start} – {end}"
    if form.compare.data == "previous":
        first, last = services.previous_period(start, end, form.period.data)
        services.with_comparison(board, start=first, end=last)
    elif form.compare.data == "custom" and (dates := form.comparison_dates()):
        services.with_comparison(board, start=dates[0], end=dates[1])
    elif form.compare.data == "group":
        changes = {"kind": form.compare_kind.data or None, "subject": form.compare_subject.data or None,
                   "year_group": form.compare_year_group.data or None,
                   "group_id": int(form.compare_group.data) if form.compare_group.data in group_ids else None}
        board.label = _group_label(filters.kind, filters.subject, filters.year_group, filters.group_id, form)
        services.with_comparison(board, label=_group_label(*changes.values(), form), **changes)
    scope = next((s.name for s in schools if (s.id,) == school_ids), None)
    return form, board, org_level, scope


def _group_label(kind, subject, year_group, group_id, form) -> str:
    """'Walkthroughs · Matematik · year 3' for a comparison column; 'Everyone' when unfiltered."""
    parts = [dict((c.value, c.label) for c in form.kind.choices).get(kind) if kind else None, subject,
             str(_l("Year group %(year)s", year=year_group)) if year_group else None,
             dict((c.value, c.label) for c in form.group.choices).get(str(group_id)) if group_id else None]
    return " · ".join(str(p) for p in parts if p) or str(_l("All observations"))


def _scope_id(board):
    """The school an audit event concerns: the one school shown, or none for several."""
    return board.filters.school_ids[0] if len(board.filters.school_ids) == 1 else None


@bp.route("/")
@login_required
def dashboard():
    form, board, org_level, scope = _board()
    hits = None
    if form.q.data and not org_level:  # organisation level: de-identified aggregates only
        term = form.q.data.strip()[:100]
        hits = evidence.search_evidence(current_user, board.filters, term)
        record("insights.evidence", school_id=board.filters.school_ids[0], query=term, hits=len(hits))
    record("insights.view", school_id=_scope_id(board), filters=request.args.to_dict())
    computed_at = dt.datetime.now(dt.timezone.utc)  # an offline or printed copy says how old it is
    page = render_template("insights/dashboard.html", form=form, board=board, scope=scope, hits=hits,
                           org_level=org_level, hidden_text=services.HIDDEN, charts=charts,
                           export_args=request.args.to_dict(), computed_at=computed_at,
                           facts=report.report_facts(form, board, scope, computed_at))
    db.session.commit()  # after rendering: a commit expires the loaded user and school the page reads
    return page


def _download(body, mimetype: str, board, suffix: str) -> Response:
    record("insights.export", school_id=_scope_id(board), filters=request.args.to_dict(), format=suffix)
    db.session.commit()
    name = f"observe-insights-{board.filters.start}-{board.filters.end}.{suffix}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.route("/export.csv")
@login_required
def export():
    """For tools: the dialect is described in observe/insights/export.py and docs/insights.md."""
    _form, board, _org, _scope = _board()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(exports.CSV_HEADER)
    writer.writerows(exports.csv_rows(board))
    return _download("\ufeff" + out.getvalue(), "text/csv", board, "csv")


@bp.route("/export.xlsx")
@login_required
def export_workbook():
    """For people: an Excel workbook in the reader's language (observe/insights/workbook.py)."""
    form, board, _org, scope = _board()
    facts = report.report_facts(form, board, scope, dt.datetime.now(dt.timezone.utc))
    return _download(workbook(board, facts), XLSX, board, "xlsx")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
