"""Rules for organisations, schools and groups."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .models import Organisation, School


def get_or_create_school(name: str, organisation_name: str | None = None) -> School:
    school = db.session.scalar(select(School).where(School.name == name))
    if school:
        return school
    org = None
    if organisation_name:
        org = db.session.scalar(select(Organisation).where(Organisation.name == organisation_name))
    if org is None:
        org = Organisation(name=organisation_name or name)
        db.session.add(org)
        db.session.flush()
    school = School(name=name, organisation_id=org.id)
    db.session.add(school)
    db.session.flush()
    from ..templates_.services import install_defaults

    install_defaults(school)
    return school
