"""Template pages: list, designer, preview, publish, archive, clone, co-authors, import/export.

Every edit is a small POST that changes the template's draft and redirects back
to the designer (post/redirect/get), so the designer works without JavaScript;
static/js/designer.js only swaps the page in place and keeps focus.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..auth.permissions import (can_edit_template, can_manage_templates, can_view_template, clonable_template,
                                current_school_or_404, template_for)
from ..extensions import db
from . import library, services
from .forms import (CoauthorsForm, ImportForm, ItemForm, MetaForm, NewItemForm, NewTemplateForm, SectionForm)
from ..visits.display import measure_section
from .items import levels_for, parse_answers
from .models import Template, TemplateStatus
from .schemas import (AVERAGED_TYPES, CONDITION_TYPES, COUNTED_TYPES, MINUTES_TYPES, TemplateFormatError, export_json,
                      hidden_items, items_of)

bp = Blueprint("templates_", __name__, url_prefix="/templates")


@bp.app_template_global("item_levels")
def _item_levels(item: dict) -> list[dict]:
    """The choices the form engine macro draws for a scale, yes/no or choice item."""
    return levels_for(item)


@bp.app_template_global("hidden_item_keys")
def _hidden_item_keys(document: dict, answers: dict | None) -> set[str]:
    """The conditional items the form engine draws hidden for these answers (form-engine.js keeps them
    in step as answers change; without JavaScript noscript.css shows them, with their note)."""
    return hidden_items(document, answers or {})


def _bi(form, name: str) -> dict:
    return {"sv": (form[f"{name}_sv"].data or "").strip(), "en": (form[f"{name}_en"].data or "").strip()}


def _flash_format_error(exc: TemplateFormatError) -> None:
    for message in exc.readable:  # "Section “…”, item “…” (key), field …: what is wrong and what is allowed"
        flash(message, "error")


def _designer(template: Template, anchor: str | None = None):
    return redirect(url_for(".designer", template_id=template.id) + (f"#{anchor}" if anchor else ""))


# --- list, create, import --------------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    school = current_school_or_404()
    visible = [t for t in library.school_templates(school) if can_view_template(current_user, t)]
    manage = can_manage_templates(current_user, school)
    others = library.clonable_from_organisation(school) if manage else []
    return render_template(
        "templates_/index.html", school=school, manage=manage,
        active=[t for t in visible if t.status == TemplateStatus.ACTIVE],
        archived=[t for t in visible if t.status == TemplateStatus.ARCHIVED and can_edit_template(current_user, t)],
        others=others, schools={s.id: s for s in school.organisation.schools},
        can_edit=lambda t: can_edit_template(current_user, t), defaults=library.default_choices(school))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    school = current_school_or_404()
    if not can_manage_templates(current_user, school):
        abort(403)
    form = NewTemplateForm()
    if form.validate_on_submit():
        template = services.create_template(school, current_user, _bi(form, "title"), form.kind.data)
        db.session.commit()
        flash(_("Template created. Add sections and items, then publish it."), "success")
        return _designer(template)
    return render_template("templates_/new.html", form=form, import_form=ImportForm())


@bp.post("/import")
@login_required
def import_():
    school = current_school_or_404()
    if not can_manage_templates(current_user, school):
        abort(403)
    form = ImportForm()
    if form.validate_on_submit():
        raw = form.file.data.read(1_000_001)
        if len(raw) > 1_000_000:
            flash(_("That file is larger than 1 MB; a template file is much smaller."), "error")
        else:
            try:
                template = services.import_template(school, current_user, raw)
            except TemplateFormatError as exc:
                db.session.rollback()  # nothing half-imported
                flash(_("The file was not imported: nothing was changed."), "error")
                _flash_format_error(exc)
            else:
                db.session.commit()
                flash(_("Imported as a draft. Check it and publish it when it is ready."), "success")
                return _designer(template)
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    return render_template("templates_/new.html", form=NewTemplateForm(formdata=None), import_form=form), 422


# --- one template ----------------------------------------------------------------------------

@bp.get("/<int:template_id>/")
@login_required
def designer(template_id: int):
    template = template_for(current_user, template_id)
    if not can_edit_template(current_user, template):
        return redirect(url_for(".preview", template_id=template.id))
    school = current_school_or_404()
    document = services.working_document(template)
    meta = MetaForm(formdata=None, data={
        "title_sv": document["title"]["sv"], "title_en": document["title"]["en"], "kind": document["kind"],
        "description_sv": document["description"]["sv"], "description_en": document["description"]["en"],
        "header_note_sv": document["header_note"]["sv"], "header_note_en": document["header_note"]["en"]})
    manage = can_manage_templates(current_user, school)
    coauthors = None
    if manage:
        coauthors = CoauthorsForm(formdata=None, users=[u.id for u in template.coauthors])
        coauthors.users.choices = [SelectChoice(u.id, u.name) for u in library.active_teachers(school)]
    return render_template("templates_/designer.html", template=template, document=document, meta=meta,
                           measure_choices=measure_choices(document),
                           section_form=SectionForm(formdata=None), new_item=NewItemForm(formdata=None),
                           coauthors=coauthors, manage=manage)


@bp.post("/<int:template_id>/meta")
@login_required
def meta(template_id: int):
    template = template_for(current_user, template_id, edit=True)
    form = MetaForm()
    if not form.validate():
        for name, messages in form.errors.items():
            flash(f"{form[name].label.text}: {' '.join(messages)}", "error")
        return _designer(template, "meta")
    try:
        services.update_meta(template, title=_bi(form, "title"), description=_bi(form, "description"),
                             header_note=_bi(form, "header_note"), kind=form.kind.data)
    except TemplateFormatError as exc:
        db.session.rollback()
        _flash_format_error(exc)
        return _designer(template, "meta")
    db.session.commit()
    flash(_("Saved in the draft."), "success")
    return _designer(template, "meta")


@bp.post("/<int:template_id>/sections")
@login_required
def add_section(template_id: int):
    template = template_for(current_user, template_id, edit=True)
    form = SectionForm()
    if form.validate():
        services.add_section(template, _bi(form, "title"))
        db.session.commit()
        flash(_("Section added."), "success")
        return _designer(template, f"section-{services.working_document(template)['sections'][-1]['key']}")
    flash(_("Give the section a title."), "error")
    return _designer(template)


@bp.post("/<int:template_id>/sections/<section_key>")
@login_required
def section_op(template_id: int, section_key: str):
    template = template_for(current_user, template_id, edit=True)
    op = request.form.get("op", "")
    title = guidance = None
    if op == "rename":
        form = SectionForm()
        if not form.validate():
            flash(_("Give the section a title."), "error")
            return _designer(template, f"section-{section_key}")
        title, guidance = _bi(form, "title"), _bi(form, "help")
    try:
        services.change_section(template, section_key, op, title, guidance)
    except (services.DesignError, TemplateFormatError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
    return _designer(template, None if op == "delete" else f"section-{section_key}")


@bp.post("/<int:template_id>/sections/<section_key>/items")
@login_required
def add_item(template_id: int, section_key: str):
    template = template_for(current_user, template_id, edit=True)
    form = NewItemForm()
    if not form.validate():
        flash(_("Write the question or look-for, then add the item."), "error")
        return _designer(template, f"section-{section_key}")
    try:
        _document, key = services.add_item(template, section_key, form.type.data, _bi(form, "label"))
    except (services.DesignError, TemplateFormatError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _designer(template)
    db.session.commit()
    flash(_("Item added. Use “Edit” to change its options."), "success")
    return _designer(template, f"edit-{key}")


@bp.route("/<int:template_id>/items/<item_key>", methods=["GET", "POST"])
@login_required
def item(template_id: int, item_key: str):
    template = template_for(current_user, template_id, edit=True)
    document = services.working_document(template)
    current = next((i for i in items_of(document) if i["key"] == item_key), None)
    if current is None:
        abort(404)
    form = ItemForm()
    general: list[str] = []
    shown = current  # what the preview pane draws
    previewing = request.form.get("action") == "preview"
    if request.method == "GET":
        form.fill_from(current)
    elif form.validate():
        try:
            keep = not form.shows_every_field()  # an older page: keep what it has no field for
            if previewing:  # draw the edited item without saving anything
                shown = services.preview_item(template, item_key, form.to_item(), keep=keep)
            else:
                services.replace_item(template, item_key, form.to_item(), keep=keep)
        except TemplateFormatError as exc:
            db.session.rollback()
            general = form.attach_schema_errors(exc)
        else:
            if not previewing:
                db.session.commit()
                flash(_("Item saved in the draft."), "success")
                return _designer(template, f"edit-{form.key.data.strip()}")
    status = 422 if request.method == "POST" and (form.errors or general) else 200
    form.pad_descriptors()
    form.pad_options()
    form.pad_levels()
    form.pad_rows()
    return render_template("templates_/item.html", template=template, item=current, form=form,
                           general_errors=general, shown=shown,
                           condition_sources=_condition_sources(document, current)), status


def _condition_sources(document: dict, current: dict) -> list[dict]:
    """The earlier items on the same form that a condition on `current` may name, with their answers."""
    sources = []
    for item in items_of(document):
        if item["key"] == current["key"]:
            break
        if item["type"] in CONDITION_TYPES and not item.get("asked_in") and not current.get("asked_in"):
            sources.append({"item": item, "answers": [(f"{item['key']}={level['value']}", level["label"])
                                                      for level in levels_for(item)]})
    return sources


@bp.post("/<int:template_id>/items/<item_key>/op")
@login_required
def item_op(template_id: int, item_key: str):
    template = template_for(current_user, template_id, edit=True)
    op = request.form.get("op", "")
    try:
        document = services.change_item(template, item_key, op)
    except (services.DesignError, TemplateFormatError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _designer(template, f"edit-{item_key}")
    db.session.commit()
    if op == "duplicate":
        keys = [i["key"] for i in items_of(document)]
        return _designer(template, f"edit-{keys[keys.index(item_key) + 1]}")
    if op == "delete":
        flash(_("Item deleted from the draft."), "success")
        return _designer(template)
    return _designer(template, f"edit-{item_key}")


def measure_choices(document: dict) -> dict:
    """What the designer's "add a measure" form offers: the items each part of a measure may name."""
    items = items_of(document)
    counted = []
    for item in items:
        if item["type"] in COUNTED_TYPES:
            counted.append((item["key"], item["label"]))
        elif item["type"] in CONDITION_TYPES:
            counted += [(f"{item['key']}={level['value']}", {lang: f"{text}: {level['label'].get(lang) or level['label'].get('sv')}"
                                                             for lang, text in item["label"].items()})
                        for level in levels_for(item)]
    return {"counted": counted,
            "minutes": [(i["key"], i["label"]) for i in items if i["type"] in MINUTES_TYPES],
            "scored": [(i["key"], i["label"]) for i in items if i["type"] in AVERAGED_TYPES],
            "sections": [(s["key"], s["title"]) for s in document["sections"]
                         if any(i["type"] in AVERAGED_TYPES for i in s["items"])]}


def _terms(values: list[str]) -> list[dict]:
    """Checkbox values "K" (a number item) and "K=v" (one answer of a choice item) as terms, one per item."""
    terms: dict[str, dict] = {}
    for value in values:
        key, _sep, answer = value.partition("=")
        term = terms.setdefault(key, {"item": key})
        if answer:
            term.setdefault("equals", []).append(answer)
    return list(terms.values())


@bp.post("/<int:template_id>/measures")
@login_required
def add_measure(template_id: int):
    """Add a derived measure from the designer's form (share, rate per minute, average)."""
    template = template_for(current_user, template_id, edit=True)
    form = request.form
    kind = form.get("type", "")
    label = {"sv": form.get("label_sv", "").strip()[:200], "en": form.get("label_en", "").strip()[:200]}
    measure: dict = {"type": kind, "label": label}
    if kind == "share":
        measure.update(part=_terms(form.getlist("part")), whole=_terms(form.getlist("whole")))
    elif kind == "rate":
        measure.update(count=_terms(form.getlist("count")), minutes=form.get("minutes", ""))
    elif kind == "average":
        if form.get("section"):
            measure["section"] = form["section"]
        else:
            weights = {key: form.get(f"weight-{key}", "").strip().replace(",", ".") for key in form.getlist("items")}
            measure["items"] = [{"item": key, **({"weight": weight} if weight else {})} for key, weight in weights.items()]
    missing = [name for name in ("part", "whole", "count", "items") if name in measure and not measure[name]]
    if not (label["sv"] or label["en"]) or missing or kind not in ("share", "rate", "average"):
        flash(_("Name the measure and tick what it counts (for an average: its items or a section)."), "error")
        return _designer(template, "measures")
    try:
        services.add_measure(template, measure)
    except TemplateFormatError as exc:
        db.session.rollback()
        _flash_format_error(exc)
        return _designer(template, "measures")
    db.session.commit()
    flash(_("Measure added to the draft."), "success")
    return _designer(template, "measures")


@bp.post("/<int:template_id>/measures/<measure_key>/delete")
@login_required
def delete_measure(template_id: int, measure_key: str):
    template = template_for(current_user, template_id, edit=True)
    try:
        services.delete_measure(template, measure_key)
    except (services.DesignError, TemplateFormatError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Measure deleted from the draft."), "success")
    return _designer(template, "measures")


@bp.post("/<int:template_id>/publish")
@login_required
def publish(template_id: int):
    template = template_for(current_user, template_id, manage=True)
    try:
        version = services.publish(template, current_user)
    except services.NothingToPublish as exc:
        db.session.commit()
        flash(str(exc), "error")
        return _designer(template)
    except TemplateFormatError as exc:
        db.session.rollback()
        flash(_("Not published:"), "error")
        _flash_format_error(exc)
        return _designer(template)
    db.session.commit()
    flash(_("Published as version %(n)d. New visits use it; earlier observations keep their version.",
            n=version.number), "success")
    return _designer(template)


@bp.post("/<int:template_id>/discard")
@login_required
def discard(template_id: int):
    template = template_for(current_user, template_id, edit=True)
    try:
        services.discard_draft(template)
    except services.DesignError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Draft discarded; the designer shows the published version again."), "success")
    return _designer(template)


@bp.post("/<int:template_id>/status")
@login_required
def set_status(template_id: int):
    template = template_for(current_user, template_id, manage=True)
    status = request.form.get("status")
    if status not in (TemplateStatus.ACTIVE, TemplateStatus.ARCHIVED):
        abort(400)
    services.set_status(template, status)
    db.session.commit()
    flash(_("Template archived: new visits no longer use it.") if status == TemplateStatus.ARCHIVED
          else _("Template restored."), "success")
    return redirect(url_for(".index"))


def _clone_into_current_school(source: Template):
    copy = services.clone_template(source, current_school_or_404(), current_user)
    db.session.commit()
    flash(_("Copy created as a draft."), "success")
    return _designer(copy)


@bp.post("/<int:template_id>/clone")
@login_required
def clone(template_id: int):
    return _clone_into_current_school(template_for(current_user, template_id, manage=True))


@bp.post("/clone-from-organisation/<int:template_id>")
@login_required
def clone_other(template_id: int):
    return _clone_into_current_school(clonable_template(current_user, template_id))


@bp.post("/<int:template_id>/coauthors")
@login_required
def coauthors(template_id: int):
    template = template_for(current_user, template_id, manage=True)
    school = current_school_or_404()
    teachers = library.active_teachers(school)
    form = CoauthorsForm()
    form.users.choices = [SelectChoice(u.id, u.name) for u in teachers]
    if form.validate():
        chosen = set(form.users.data or [])
        services.set_coauthors(template, [u for u in teachers if u.id in chosen])
        db.session.commit()
        flash(_("Co-authors saved."), "success")
    else:
        flash(_("Choose co-authors among the school's teachers."), "error")
    return _designer(template, "coauthors")


@bp.get("/<int:template_id>/export")
@login_required
def export(template_id: int):
    """Download a version (default: the latest) or, for editors, the draft as JSON."""
    template = template_for(current_user, template_id)
    editor = can_edit_template(current_user, template)
    found = library.export_document(template, request.args.get("version", ""), editor)
    if found is None:
        abort(404)
    document, label = found
    response = Response(export_json(document), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{template.key}-{label}.json"'
    return response


@bp.route("/<int:template_id>/preview", methods=["GET", "POST"])
@login_required
def preview(template_id: int):
    """The form as an observer sees it; posting checks the answers without saving anything.

    Editors see the draft, everyone else the latest published version (?version=n for another).
    """
    template = template_for(current_user, template_id)
    editor = can_edit_template(current_user, template)
    found = library.preview_document(template, request.values.get("version", ""), editor)
    if found is None:
        abort(404)
    document, showing = found
    answers, errors, checked = {}, {}, False
    if request.method == "POST":
        answers, errors = parse_answers(document, request.form, complete=True)
        checked = True
    return render_template("templates_/preview.html",
                           template=template, document=document, version=showing, answers=answers,
                           errors=errors, checked=checked, editor=editor,
                           measures=measure_section(document, answers) if checked else [],
                           items={i["key"]: i for i in items_of(document)}), (422 if errors else 200)
