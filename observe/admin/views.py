"""Admin pages: schools, staff (one by one and CSV import), roles, teacher groups, unsynced devices, retention,
and the organisation's privacy settings.

Every page needs the admin role at the current school; records of other schools answer 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import invitations
from ..auth.oidc import enabled as oidc_enabled
from ..auth.permissions import (admin_required, can_appoint_org_leaders, can_manage_account, current_school,
                                get_in_school, is_org_admin, staff_member_or_404)
from ..errors import ValidationFailed
from ..extensions import db
from ..schools import services as schools
from ..schools.models import TeacherGroup
from . import services
from ..privacy import purpose
from .forms import (ConfirmForm, GroupForm, ImportConfirmForm, ImportForm, OrganisationForm, OrgLeaderForm,
                    RetentionForm, RolesForm, SchoolForm, StaffForm)

bp = Blueprint("admin", __name__, url_prefix="/admin")

MAX_UPLOAD_BYTES = 1_000_000


def _show_errors(form, exc: ValidationFailed) -> None:
    """Put a service's field errors beside the form's fields (a general one as a flash)."""
    for name, messages in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + list(messages)
        else:
            for message in messages:
                flash(message, "error")
    if exc.message:
        flash(exc.message, "error")


def _apply(form, change, success):
    """Run a service change: commit and flash `success(result)`, or roll back and show its errors.
    Returns the change's result, or None when it was refused."""
    try:
        result = change()
    except ValidationFailed as exc:
        db.session.rollback()
        _show_errors(form, exc)
        return None
    db.session.commit()
    flash(success(result), "success")
    return result


@bp.route("/")
@admin_required
def index():
    school = current_school()
    return render_template("admin/index.html", staff_count=len(services.staff_of(school)),
                           unsynced=len(services.devices_with_unsynced_data(school)),
                           group_count=len(school.groups))


# --- schools -----------------------------------------------------------------------------

@bp.route("/schools", methods=["GET", "POST"], endpoint="schools")
@admin_required
def schools_page():
    school = current_school()
    if not is_org_admin(current_user, school.organisation_id):
        abort(403)
    form = SchoolForm()
    if form.validate_on_submit() and _apply(
            form, lambda: schools.add_school(school.organisation_id, form.name.data, creator=current_user),
            lambda added: _("%(name)s was added. You are its administrator.", name=added.name)):
        return redirect(url_for("admin.schools"))
    return render_template("admin/schools.html", form=form, organisation=school.organisation,
                           schools=schools.schools_in_organisation(school.organisation_id),
                           mine=set(current_user.school_ids)), 400 if form.errors else 200


# --- staff -------------------------------------------------------------------------------

@bp.route("/staff")
@admin_required
def staff():
    school = current_school()
    people = services.staff_of(school)
    return render_template("admin/staff.html", staff=people, labels=services.ROLE_LABELS, school_id=school.id,
                           waiting=invitations.not_accepted(people), confirm_form=ConfirmForm(), invites=_invites())


def _added_message(added) -> str:
    user, created, invited = added
    if not created:
        return _("%(name)s already had an account in your organisation and now has roles at this school. "
                 "Their password was not changed.", name=user.name)
    if invited:
        return _("%(name)s was added and an invitation was sent to %(email)s.", name=user.name, email=user.email)
    return _("%(name)s was added.", name=user.name)


def _invites() -> bool:
    """Invitations are for schools without an identity provider (with one, people sign in with it)."""
    return not oidc_enabled()


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_required
def add_staff():
    form = StaffForm()
    school = current_school()

    def change():
        user, created = services.add_staff(school, name=form.name.data, email=form.email.data,
                                           roles=form.roles.data)
        invited = created and _invites() and form.invite.data
        if invited:
            invitations.send_invitation(user, school, sent_by=current_user)
        return user, created, invited

    if form.validate_on_submit() and _apply(form, change, _added_message):
        return redirect(url_for("admin.staff"))
    # A POST that reaches this line was refused (field errors, or a mail that could not be sent).
    return render_template("admin/staff_new.html", form=form, invites=_invites()), \
        400 if request.method == "POST" else 200


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_staff(user_id: int):
    school = current_school()
    person = staff_member_or_404(user_id)
    form = RolesForm(data={"roles": sorted(person.roles_in(school.id))} if request.method == "GET" else None)
    if form.validate_on_submit() and _apply(
            form, lambda: services.set_roles(school, person, form.roles.data, acting=current_user) or True,
            lambda _done: _("The roles of %(name)s were saved.", name=person.name)):
        return redirect(url_for("admin.staff"))
    return _staff_page(person, roles_form=form), 400 if form.errors else 200


def _manageable_staff_member(user_id: int):
    """A staff member whose whole account this admin may change (see can_manage_account); else 403."""
    person = staff_member_or_404(user_id)
    if not can_manage_account(current_user, person):
        abort(403)
    return person


def _staff_page(person, roles_form=None):
    return render_template("admin/staff_edit.html", person=person, roles_form=roles_form or RolesForm(
        data={"roles": sorted(person.roles_in(current_school().id))}), invites=_invites(),
        waiting=invitations.not_accepted([person]).get(person.id, False),
        confirm_form=ConfirmForm(), is_self=person.id == current_user.id,
        manageable=can_manage_account(current_user, person),
        leader_form=OrgLeaderForm(data={"is_org_leader": person.is_org_leader})
        if can_appoint_org_leaders(current_user, current_school().organisation_id) else None)


@bp.route("/staff/<int:user_id>/remove", methods=["POST"])
@admin_required
def remove_staff(user_id: int):
    person = staff_member_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.remove_from_school(current_school(), person, acting=current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.edit_staff", user_id=person.id))
    db.session.commit()
    flash(_("%(name)s no longer has a role at this school. Their records stay.", name=person.name), "success")
    return redirect(url_for("admin.staff"))


@bp.route("/staff/<int:user_id>/org-leader", methods=["POST"])
@admin_required
def staff_org_leader(user_id: int):
    person = staff_member_or_404(user_id)
    if not can_appoint_org_leaders(current_user, current_school().organisation_id):
        abort(403)
    form = OrgLeaderForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_org_leader(current_school(), person, form.is_org_leader.data)
    db.session.commit()
    flash(_("%(name)s is now an organisation leader.", name=person.name) if person.is_org_leader else
          _("%(name)s is no longer an organisation leader.", name=person.name), "success")
    return redirect(url_for("admin.edit_staff", user_id=person.id))


@bp.route("/staff/<int:user_id>/deactivate", methods=["POST"], endpoint="deactivate_staff")
@bp.route("/staff/<int:user_id>/reactivate", methods=["POST"], endpoint="reactivate_staff")
@admin_required
def set_staff_active(user_id: int):
    person = _manageable_staff_member(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.endpoint == "admin.reactivate_staff"
    try:
        services.set_active(current_school(), person, active, acting=current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s can log in again.", name=person.name) if active else
              _("%(name)s is deactivated and was logged out everywhere.", name=person.name), "success")
    return redirect(url_for("admin.edit_staff", user_id=person.id))


# --- CSV import --------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252: what Excel saves in Sweden."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


@bp.route("/staff/import", methods=["GET", "POST"])
@admin_required
def import_staff():
    form = ImportForm()
    if form.validate_on_submit():
        text = form.text.data or ""
        if form.file.data:
            data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                form.file.errors = [_("The file is larger than 1 MB.")]
                return render_template("admin/import.html", form=form), 413
            text = _decode(data)
        if text.strip():
            preview = services.parse_staff_csv(text, current_school())
            return render_template("admin/import_preview.html", preview=preview, labels=services.ROLE_LABELS,
                                   confirm=ImportConfirmForm(formdata=None, csv=text), invites=_invites()), \
                200 if preview.ok else 422
        form.file.errors = [_("Choose a CSV file or paste the rows.")]
    return render_template("admin/import.html", form=form), 400 if form.errors else 200


@bp.route("/staff/import/staff-template.csv")
@admin_required
def import_template():
    """An empty list to fill in, with the BOM Excel needs to read å, ä and ö correctly."""
    body = "\ufeffname,email,roles\nAnna Andersson,anna.andersson@skola.se,teacher\n"
    return current_app.response_class(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=staff-template.csv"})


@bp.route("/staff/import/confirm", methods=["POST"])
@admin_required
def import_confirm():
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    school = current_school()
    try:
        preview, created = services.import_staff(form.csv.data, school)
        if _invites() and form.invite.data:
            for person in created:
                invitations.send_invitation(person, school, sent_by=current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "error")
        preview = services.parse_staff_csv(form.csv.data, school)
        return render_template("admin/import_preview.html", preview=preview, labels=services.ROLE_LABELS,
                               confirm=ImportConfirmForm(formdata=None, csv=form.csv.data, invite=form.invite.data),
                               invites=_invites()), 422
    db.session.commit()
    flash(_("%(n)d staff members were imported.", n=len(preview.rows)), "success")
    return redirect(url_for("admin.staff"))


# --- teacher groups ----------------------------------------------------------------------

@bp.route("/groups")
@admin_required
def groups():
    return render_template("admin/groups.html", groups=current_school().groups, confirm_form=ConfirmForm())


def _group_form(group: TeacherGroup | None) -> GroupForm:
    data = {"name": group.name, "members": [m.id for m in group.members]} if group and request.method == "GET" \
        else None
    form = GroupForm(data=data)
    form.members.choices = [(u.id, u.name) for u in services.staff_of(current_school()) if u.active]
    return form


@bp.route("/groups/new", methods=["GET", "POST"], endpoint="new_group")
@bp.route("/groups/<int:group_id>", methods=["GET", "POST"], endpoint="edit_group")
@admin_required
def edit_group(group_id: int | None = None):
    group = get_in_school(TeacherGroup, id=group_id) if group_id is not None else None
    form = _group_form(group)
    if form.validate_on_submit() and _apply(
            form, lambda: schools.save_group(current_school(), group, form.name.data, form.members.data or []),
            lambda saved: _("The group %(name)s was saved.", name=saved.name)):
        return redirect(url_for("admin.groups"))
    return render_template("admin/group_edit.html", form=form, group=group), 400 if form.errors else 200


@bp.route("/groups/<int:group_id>/delete", methods=["POST"])
@admin_required
def delete_group(group_id: int):
    group = get_in_school(TeacherGroup, id=group_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    schools.delete_group(group)
    db.session.commit()
    flash(_("The group was deleted. Its members keep their accounts."), "success")
    return redirect(url_for("admin.groups"))


# --- devices -----------------------------------------------------------------------------

@bp.route("/devices")
@admin_required
def devices():
    return render_template("admin/devices.html", devices=services.devices_with_unsynced_data(current_school()))


# --- retention -----------------------------------------------------------------------------

@bp.route("/retention", methods=["GET", "POST"])
@admin_required
def retention():
    school = current_school()
    form = RetentionForm(data=schools.retention_of(school) if request.method == "GET" else None)
    if form.validate_on_submit() and _apply(form, lambda: schools.set_retention(school, form.data) or True,
                                            lambda _done: _("The retention periods were saved.")):
        return redirect(url_for("admin.retention"))
    return render_template("admin/retention.html", form=form), 400 if form.errors else 200


# --- organisation --------------------------------------------------------------------------

@bp.get("/organisation")
@admin_required
def organisation():
    org = current_school().organisation
    use = purpose.salary_use(org)
    form = OrganisationForm(data={
        "min_cell_observations": org.setting("min_cell_observations"),
        "min_cell_teachers": org.setting("min_cell_teachers"),
        "salary_use": use is not None, "salary_use_from": use and use.from_date,
    })
    return _organisation_page(form)


@bp.post("/organisation")
@admin_required
def save_organisation():
    """Organisation-wide rules reach every school, so only an admin of every school may change them."""
    school = current_school()
    org = school.organisation
    if not can_appoint_org_leaders(current_user, org.id):
        abort(403)
    form = OrganisationForm()

    def change():
        schools.set_cell_minimums(org, form.min_cell_observations.data, form.min_cell_teachers.data,
                                  school_id=school.id)
        purpose.set_salary_use(org, form.salary_use_from.data if form.salary_use.data else None,
                               school_id=school.id)
        return True

    if form.validate_on_submit() and _apply(form, change, lambda _done: _("The organisation's settings were saved.")):
        return redirect(url_for("admin.organisation"))
    return _organisation_page(form)


def _organisation_page(form):
    org = current_school().organisation
    return render_template("admin/organisation.html", form=form, organisation=org,
                           may_change=can_appoint_org_leaders(current_user, org.id),
                           use=purpose.salary_use(org), announce_days=purpose.ANNOUNCE_DAYS), \
        400 if form.errors else 200
