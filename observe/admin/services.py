"""Staff administration: adding people, their roles, deactivating, passwords, CSV import.

Every change is written to the audit log in the same transaction as the change.
The CSV import is all or nothing: it is validated as a whole first and written in
one transaction, so a list is never half-imported.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit import services as audit
from ..auth.models import Membership, Role, User
from ..auth.services import create_user, end_all_sessions, find_user
from ..auth.sessions import end_sessions_of
from ..errors import ValidationFailed
from ..extensions import db
from ..sync.models import Device

MAX_IMPORT_ROWS = 2000

ROLE_LABELS = {Role.ADMIN: _l("Administrator"), Role.PRINCIPAL: _l("Principal"), Role.TEACHER: _l("Teacher")}

# Role names accepted in a CSV file, in English and Swedish.
ROLE_WORDS = {
    "admin": Role.ADMIN, "administrator": Role.ADMIN, "administratör": Role.ADMIN,
    "principal": Role.PRINCIPAL, "rektor": Role.PRINCIPAL,
    "teacher": Role.TEACHER, "lärare": Role.TEACHER,
}
# Column headings accepted in a CSV file, mapped to the column they name.
COLUMN_WORDS = {
    "name": "name", "namn": "name",
    "email": "email", "e-mail": "email", "e-post": "email", "epost": "email",
    "roles": "roles", "role": "roles", "roller": "roles", "roll": "roles",
}
COLUMNS = ("name", "email", "roles")


def role_choices() -> list[tuple[str, str]]:
    return [(str(role), label) for role, label in ROLE_LABELS.items()]


def normalise_email(raw: str) -> str:
    """The address as stored: checked for syntax, lower-case. Raises ValueError with a readable message."""
    value = (raw or "").strip()
    try:
        value = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(_("This is not a valid e-mail address.")) from exc
    return value.lower()


def staff_of(school) -> list[User]:
    """Everyone holding a role at the school, active or not, by name."""
    return list(db.session.scalars(
        select(User).where(User.id.in_(select(Membership.user_id).where(Membership.school_id == school.id)))
        .order_by(User.name, User.email)))


def _grant(user: User, school, roles) -> None:
    for role in sorted({Role(r) for r in roles}):
        user.memberships.append(Membership(school_id=school.id, role=role))


def _existing_problem(user: User | None, school) -> str | None:
    """Why an existing account with this e-mail cannot be added to the school (None: it can)."""
    if user is None:
        return None
    if user.organisation_id != school.organisation_id:
        return _("This e-mail address belongs to an account in another organisation.")
    if user.roles_in(school.id):
        return _("This person is already on the staff of this school.")
    return None


def add_staff(school, *, name: str, email: str, roles) -> tuple[User, bool]:
    """Add a person to the school's staff. Returns (user, created).

    A new account has no password: the person chooses one through an invitation
    (observe/auth/invitations.py) or signs in with the school's identity provider.
    An existing account of the same organisation (someone working at two schools)
    gets roles here; its password is left alone.
    """
    try:
        email = normalise_email(email)
    except ValueError as exc:
        raise ValidationFailed(fields={"email": [str(exc)]}) from exc
    if not roles:
        raise ValidationFailed(fields={"roles": [_("Choose at least one role.")]})
    existing = find_user(email)
    problem = _existing_problem(existing, school)
    if problem:
        raise ValidationFailed(fields={"email": [problem]})
    if existing:
        _grant(existing, school, roles)
        audit.record("staff.add", existing, school_id=school.id, roles=sorted(roles))
        return existing, False
    user = create_user(organisation_id=school.organisation_id, email=email, name=name, password=None)
    _grant(user, school, roles)
    db.session.flush()
    audit.record("staff.add", user, school_id=school.id, roles=sorted(roles))
    return user, True


def set_roles(school, user: User, roles, *, acting: User) -> None:
    """Replace the user's roles at this school (roles elsewhere are untouched)."""
    wanted = {Role(r) for r in roles}
    if not wanted:
        raise ValidationFailed(fields={"roles": [_("Choose at least one role.")]})
    if user.id == acting.id and Role.ADMIN not in wanted:
        raise ValidationFailed(fields={"roles": [_("You cannot remove your own administrator role.")]})
    before = user.roles_in(school.id)
    for membership in [m for m in user.memberships if m.school_id == school.id and Role(m.role) not in wanted]:
        user.memberships.remove(membership)
    _grant(user, school, wanted - before)
    audit.record("staff.roles", user, school_id=school.id, before=sorted(before), after=sorted(wanted))


def remove_from_school(school, user: User, *, acting: User) -> None:
    """Take away every role the person has at this school, and their places in its teacher groups.
    Their account, their roles elsewhere and the records they are part of stay."""
    if user.id == acting.id:
        raise ValidationFailed(_("You cannot remove yourself from the school."))
    before = user.roles_in(school.id)
    for membership in [m for m in user.memberships if m.school_id == school.id]:
        user.memberships.remove(membership)
    for group in school.groups:
        if user in group.members:
            group.members.remove(user)
    audit.record("staff.remove", user, school_id=school.id, roles=sorted(before))


def set_active(school, user: User, active: bool, *, acting: User) -> None:
    """Deactivate (which ends every session at once) or reactivate an account."""
    if user.id == acting.id:
        raise ValidationFailed(_("You cannot deactivate your own account."))
    user.active = active
    if not active:
        end_all_sessions(user)
        end_sessions_of(user.id)
    audit.record("staff.activate" if active else "staff.deactivate", user, school_id=school.id)


def set_org_leader(school, user: User, value: bool) -> None:
    """Organisation leaders (huvudman, ledningsgrupp) see de-identified aggregates across schools."""
    if user.organisation_id != school.organisation_id:
        raise ValidationFailed(_("This person belongs to another organisation."))
    user.is_org_leader = value
    audit.record("staff.org_leader", user, school_id=school.id, value=value)


def devices_with_unsynced_data(school) -> list[Device]:
    """Devices of this school's staff still holding observations the server has not received."""
    staff_ids = select(Membership.user_id).where(Membership.school_id == school.id)
    return list(db.session.scalars(
        select(Device).where(Device.user_id.in_(staff_ids), Device.pending_count > 0)
        .order_by(Device.oldest_pending_at.is_(None), Device.oldest_pending_at, Device.id)))


# --- CSV import -----------------------------------------------------------------------------

@dataclass
class ImportRow:
    line: int  # the row number a spreadsheet shows (the heading is row 1)
    name: str = ""
    email: str = ""
    roles: list[Role] = field(default_factory=list)
    existing: bool = False  # an account of this organisation that gets roles at this school
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the file as a whole

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not any(r.errors for r in self.rows)

    @property
    def messages(self) -> list[str]:
        """Every problem as one sentence naming the row and column."""
        out = list(self.problems)
        for row in self.rows:
            out += [_("Row %(row)d, column \"%(column)s\": %(message)s", row=row.line, column=column, message=msg)
                    for column, msg in row.errors]
        return out


def _split_roles(cells: list[str]) -> list[str]:
    words = []
    for cell in cells:
        words += [w.strip().lower() for w in cell.replace(",", ";").split(";")]
    return [w for w in words if w]


def _read_heading(text: str) -> tuple[str, list[str] | None, str | None]:
    """(delimiter, column names in order, problem). Swedish spreadsheets often save with ';'."""
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if "," not in first and ";" in first else ","
    heading = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter), [])]
    unknown = [h for h in heading if h not in COLUMN_WORDS]
    if unknown:
        return delimiter, None, _(
            "Unknown column \"%(column)s\" in the first row. The columns are: name, email, roles.", column=unknown[0])
    columns = [COLUMN_WORDS[h] for h in heading]
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        return delimiter, None, _("The first row must name the columns name, email and roles; missing: %(missing)s.",
                                  missing=", ".join(missing))
    return delimiter, columns, None


def parse_staff_csv(text: str, school) -> ImportPreview:
    """Check a whole staff list against the rules and the database, changing nothing."""
    preview = ImportPreview()
    text = (text or "").lstrip("\ufeff")
    if not text.strip():
        preview.problems.append(_("The file is empty."))
        return preview
    delimiter, columns, problem = _read_heading(text)
    if problem:
        preview.problems.append(problem)
        return preview
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader)
    seen: dict[str, int] = {}
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(preview.rows) >= MAX_IMPORT_ROWS:
            preview.problems.append(_("The file has more than %(n)d rows; split it into smaller files.",
                                      n=MAX_IMPORT_ROWS))
            break
        row = ImportRow(line=reader.line_num)
        values = dict(zip(columns, cells))
        # With ';' as the separator, roles written "teacher;principal" spill into extra cells.
        extra = cells[len(columns):] if columns[-1] == "roles" else []
        if extra and delimiter == ",":
            row.errors.append(("roles", _("This row has more cells than the heading; put quotes around "
                                          "values that contain commas.")))
        _check_row(row, values, extra, seen)
        preview.rows.append(row)
    _check_existing(preview.rows, school)
    if not preview.rows and not preview.problems:
        preview.problems.append(_("The file has a heading but no staff rows."))
    return preview


def _check_existing(rows: list[ImportRow], school) -> None:
    """Compare the rows with the accounts already there: one query per 500 rows, not one per row."""
    emails = [row.email for row in rows if not any(column == "email" for column, _msg in row.errors)]
    accounts: dict[str, User] = {}
    for start in range(0, len(emails), 500):
        accounts.update((u.email, u) for u in db.session.scalars(
            select(User).where(User.email.in_(emails[start:start + 500]))))
    for row in rows:
        existing = accounts.get(row.email)
        problem = _existing_problem(existing, school)
        if problem and not any(column == "email" for column, _msg in row.errors):
            row.errors.append(("email", problem))
        row.existing = existing is not None


def _check_row(row: ImportRow, values: dict, extra: list[str], seen: dict[str, int]) -> None:
    for column, value in [*values.items(), *(("roles", cell) for cell in extra)]:
        if "\x00" in value:  # PostgreSQL cannot store it (SQLite can): refused alike on both
            row.errors.append((column, _("This contains a NUL character (U+0000), which cannot be saved. "
                                         "Remove it, or save the file again as CSV UTF-8.")))
    row.name = " ".join((values.get("name") or "").split())
    if not row.name:
        row.errors.append(("name", _("A name is required.")))
    elif len(row.name) > 200:
        row.errors.append(("name", _("The name is longer than 200 characters.")))
    try:
        row.email = normalise_email(values.get("email", ""))
    except ValueError as exc:
        row.email = (values.get("email") or "").strip()
        row.errors.append(("email", str(exc)))
    else:
        if row.email in seen:
            row.errors.append(("email", _("The same e-mail address is on row %(row)d.", row=seen[row.email])))
        else:
            seen[row.email] = row.line
    words = _split_roles([values.get("roles", "")] + extra)
    unknown = [w for w in words if w not in ROLE_WORDS]
    if unknown:
        row.errors.append(("roles", _("Unknown role \"%(role)s\". Use admin, principal or teacher.", role=unknown[0])))
    elif not words:
        row.errors.append(("roles", _("At least one role is required (admin, principal or teacher).")))
    row.roles = sorted({ROLE_WORDS[w] for w in words if w in ROLE_WORDS})


def import_staff(text: str, school) -> tuple[ImportPreview, list[User]]:
    """Validate again (the database may have changed since the preview) and import every row, or none.
    Returns the preview and the accounts it created."""
    preview = parse_staff_csv(text, school)
    if not preview.ok:
        raise ValidationFailed(_("Nothing was imported: the list has errors."), fields={"csv": preview.messages})
    created = []
    try:
        for row in preview.rows:
            user = find_user(row.email) if row.existing else None
            if user is None:
                user = create_user(organisation_id=school.organisation_id, email=row.email, name=row.name,
                                   password=None)
                created.append(user)
            _grant(user, school, row.roles)
        db.session.flush()
    except IntegrityError as exc:  # someone added one of these people at the same moment
        db.session.rollback()
        raise ValidationFailed(_("Nothing was imported: the staff list changed meanwhile. Check it again.")) from exc
    audit.record("staff.import", school_id=school.id, rows=len(preview.rows),
                 created=sum(not r.existing for r in preview.rows))
    return preview, created
