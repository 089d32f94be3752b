"""A visit time stored outside any sane window (far future, year 1, ended before started), e.g. by
an older server that accepted it over sync, never takes a page down: every page that shows the
visit answers 200 (the sync API now refuses such times, see tests/sync/test_date_window.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from observe.extensions import db
from observe.visits.models import Observation

UTC = dt.timezone.utc
TIMES = {
    "far-future": (dt.datetime(9999, 12, 31, 23, 0, tzinfo=UTC), None),
    "year-one": (dt.datetime(1, 1, 1, 0, 0, tzinfo=UTC), dt.datetime(1, 1, 1, 0, 30, tzinfo=UTC)),
    "inverted": (dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC), dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)),
}
PAGES = {"teacher": ("/", "/visits/{uuid}"),
         "principal": ("/", "/visits/", "/visits/{uuid}", "/visits/{uuid}/observe")}


@pytest.mark.parametrize("who", PAGES)
@pytest.mark.parametrize("started, ended", TIMES.values(), ids=TIMES.keys())
def test_pages_showing_the_visit_still_answer(client, login_as, principal, teacher, make_visit, started, ended,
                                              who):
    visit = make_visit(principal, teacher, subject="Matematik", started_at=started, ended_at=ended,
                       reflective_question="Vad tog eleverna med sig?")
    observation = db.session.query(Observation).filter_by(visit_id=visit.id).one()
    observation.notes = [{"at": started.isoformat(), "text": "En anteckning"}]
    db.session.commit()
    browser = login_as(teacher if who == "teacher" else principal)
    for path in PAGES[who]:
        response = browser.get(path.format(uuid=visit.uuid))
        assert response.status_code == 200, (path, response.status_code)
        if path != "/":
            assert "Matematik" in response.get_data(as_text=True)
