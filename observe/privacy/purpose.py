"""Salary-setting use of observations: never by default, and only ever announced in advance.

domain.md (data protection 1): observations are for developing teaching; a school organiser
may change that only explicitly, announced in advance, and it is shown on every record. So
the organisation does not flip a switch: it names the first day from which new records may
be used in salary-setting, at least `ANNOUNCE_DAYS` after the announcement. Records made
before that day keep the purpose they were made under, whatever is decided later;
withdrawing the permission takes effect at once.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _

from ..audit import services as audit
from ..errors import ValidationFailed

ANNOUNCE_DAYS = 30


@dataclass(frozen=True)
class SalaryUse:
    announced_on: dt.date
    from_date: dt.date


def local_today() -> dt.date:
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Stockholm")
    return dt.datetime.now(zone).date()


def salary_use(organisation) -> SalaryUse | None:
    """The organisation's announced salary-setting use, or None (the default: never)."""
    start, announced = organisation.setting("salary_use_from"), organisation.setting("salary_use_announced_on")
    if not start or not announced:
        return None
    return SalaryUse(dt.date.fromisoformat(announced), dt.date.fromisoformat(start))


def set_salary_use(organisation, from_date: dt.date | None, *, school_id: int | None = None,
                   today: dt.date | None = None) -> None:
    """Announce salary-setting use from `from_date` (None withdraws it); the change is audited."""
    today = today or local_today()
    if from_date is not None and from_date < today + dt.timedelta(days=ANNOUNCE_DAYS):
        raise ValidationFailed(fields={"salary_use_from": [_(
            "Staff must be told at least %(days)d days in advance: choose %(date)s or later.",
            days=ANNOUNCE_DAYS, date=format_date(today + dt.timedelta(days=ANNOUNCE_DAYS), "d MMM y"))]})
    before = salary_use(organisation)
    settings = dict(organisation.settings or {})
    if from_date is None:
        settings.update(salary_use_from=None, salary_use_announced_on=None)
    elif before is None or before.from_date != from_date:
        settings.update(salary_use_from=from_date.isoformat(), salary_use_announced_on=today.isoformat())
    organisation.settings = settings  # a new dict, so the JSON column is written
    after = salary_use(organisation)
    if before != after:
        audit.record("organisation.salary_use", organisation, school_id=school_id,
                     before=before and before.from_date.isoformat(), after=after and after.from_date.isoformat())


def record_date(visit) -> dt.date:
    """The day a visit's record counts from: when it happened, else when it is planned, else when made."""
    moment = visit.started_at or visit.scheduled_at or visit.created_at
    return moment.date() if moment else local_today()


def salary_use_applies(use: SalaryUse | None, visit) -> bool:
    return use is not None and record_date(visit) >= use.from_date


def purpose_notice(organisation, visit=None) -> str:
    """The sentence every record shows about salary-setting (a new record when `visit` is None)."""
    use = salary_use(organisation)
    on = record_date(visit) if visit else local_today()
    if use is None:
        return _("Observations are for developing teaching, not for salary-setting.")
    start = format_date(use.from_date, "d MMM y")
    announced = format_date(use.announced_on, "d MMM y")
    if on >= use.from_date:  # the same rule as salary_use_applies
        return _("This record may be used in salary-setting: the organisation announced on %(announced)s that "
                 "records from %(start)s may be.", announced=announced, start=start)
    return _("This record is for developing teaching, not for salary-setting. The organisation announced on "
             "%(announced)s that records from %(start)s may be used in salary-setting.",
             announced=announced, start=start)
