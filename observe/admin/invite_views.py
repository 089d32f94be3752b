"""Invitation routes of the admin blueprint: send the link to choose a password again, to one person
or to everyone at the school who has not accepted yet (kept apart from views.py to keep both small)."""
from __future__ import annotations

from flask import abort, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..auth import invitations
from ..auth.permissions import admin_required, can_manage_account, current_school
from . import services
from .forms import ConfirmForm
from .views import _apply, _invites, _manageable_staff_member, bp


@bp.route("/staff/<int:user_id>/invite", methods=["POST"])
@admin_required
def staff_invite(user_id: int):
    """Mail a fresh link to choose a password (the first one again, or after a forgotten password);
    earlier links stop working. Nobody's password is typed by an admin."""
    person = _manageable_staff_member(user_id)
    if not ConfirmForm().validate_on_submit() or not _invites() or not person.active:
        abort(400)
    _apply(None, lambda: invitations.send_invitation(person, current_school(), sent_by=current_user),
           lambda _sent: _("An e-mail with a link to choose a password was sent to %(email)s.", email=person.email))
    return redirect(url_for("admin.edit_staff", user_id=person.id))


@bp.route("/staff/invite-all", methods=["POST"])
@admin_required
def staff_invite_all():
    """Send the invitation again to everyone at this school who has not accepted it yet."""
    if not ConfirmForm().validate_on_submit() or not _invites():
        abort(400)
    school = current_school()
    people = [p for p in services.staff_of(school) if can_manage_account(current_user, p)]
    waiting = invitations.not_accepted(people)

    def send_all():
        for person in people:
            if person.id in waiting:
                invitations.send_invitation(person, school, sent_by=current_user)
        return len(waiting)

    _apply(None, send_all, lambda n: ngettext("The invitation was sent again to %(num)d person.",
                                              "The invitation was sent again to %(num)d people.", n))
    return redirect(url_for("admin.staff"))
