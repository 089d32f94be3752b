"""Analys for a COPUS-style sheet: codes (keys with "/") as the share of intervals, the engagement
level both as a share of intervals and per interval, each interval shown only when enough
observations answered it; comments never aggregated."""
from __future__ import annotations

import datetime as dt

import pytest

from observe.extensions import db
from observe.insights import services
from observe.insights.charts import card_words, item_figures
from observe.templates_.schemas import load_document
from tests.insights.conftest import make_template, record_observation
from tests.templates_.copus import copus_document

SEPT = dt.date(2026, 9, 14)


@pytest.fixture
def copus(ctx, school, make_user, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        version = make_template(school, load_document(copus_document()))
        teachers = [make_user(name=f"T{i}") for i in range(5)]
        levels = ["high", "high", "medium", "low", "high"]
        for n, teacher in enumerate(teachers):
            cells = [{"teacher": ["Lec"], "students": ["L"], "choices": {"engagement": "medium"}},
                     {"teacher": ["D/V"], "students": ["L"], "choices": {"engagement": levels[n]},
                      "comment": f"Kommentar {n}"}]
            if n == 0:  # one observation only reaches interval 3: too few to show that interval
                cells.append({"teacher": [], "students": ["T/Q"], "choices": {"engagement": "low"}})
            record_observation(version, teacher, SEPT, {"C1": {"value": cells}})
        yield version


def board(version):
    from observe.schools.models import School

    school = db.session.get(School, version.school_id)
    filters = services.Filters(school_ids=(school.id,), start=dt.date(2026, 8, 1), end=dt.date(2026, 12, 31),
                               template_key="copus")
    return services.dashboard(filters, services.Threshold.for_organisation(school.organisation))


def test_codes_and_levels_as_shares_and_per_interval(copus, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        [c1] = board(copus).items
        assert c1.shown
        shares = {bar.value: round(bar.share, 4) for bar in c1.bars if bar.count}
        # 11 intervals observed (2 × 4 + 3): D/V in 5, engagement medium in 5 + 1, high in 3, low in 1 + 1.
        assert shares["teacher:D/V"] == round(5 / 11, 4)
        assert shares["engagement:medium"] == round(6 / 11, 4)
        assert shares["engagement:high"] == round(3 / 11, 4) and shares["engagement:low"] == round(2 / 11, 4)
        assert not any("@" in bar.value for bar in c1.bars)
        assert "Engagement: High" in [bar.label for bar in c1.bars]
        [dist] = c1.per_interval
        assert dist.label == "Engagement" and [label for _v, label in dist.options] == ["Low", "Medium", "High"]
        assert [(row["label"], row["counts"], row["total"]) for row in dist.rows] == [
            ("0–2", [0, 5, 0], 5), ("2–4", [1, 1, 3], 5)]
        assert dist.hidden == 1  # interval 3 was answered in one observation only
        html = str(item_figures(c1, board(copus).months, card_words()))
        assert "Engagement per interval" in html and "60" in html and "Kommentar" not in html
        assert "Intervals answered in too few observations to show: 1." in html


def test_a_sheet_without_levels_draws_no_distribution(copus, app):
    doc = copus_document(key="plain")
    item = doc["sections"][0]["items"][0]
    del item["interval_choices"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from observe.schools.models import School

        version = make_template(db.session.get(School, copus.school_id), load_document(doc))
        record_observation(version, None, SEPT, {"C1": {"value": [{"teacher": ["D/V"], "students": []}]}})
        school = db.session.get(School, version.school_id)
        filters = services.Filters(school_ids=(school.id,), start=dt.date(2026, 8, 1), end=dt.date(2026, 12, 31),
                                   template_key="plain")
        [c1] = services.dashboard(filters, services.Threshold.for_organisation(school.organisation)).items
        assert c1.per_interval == []


def test_the_visit_timeline_shows_the_level_chosen_per_interval(app):
    from observe.insights.charts import interval_timeline

    item = load_document(copus_document())["sections"][0]["items"][0]
    cells = [{"teacher": ["D/V"], "students": [], "choices": {"engagement": "high"}},
             {"teacher": [], "students": ["T/Q"], "choices": {"engagement": "low"}}]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rows = interval_timeline(item, cells)["rows"]
    assert [(r["who"], r["full"], sorted(r["ticks"])) for r in rows] == [
        ("teacher", "Demo/video", [0]), ("students", "Test/quiz", [1]),
        ("level", "Engagement: Low", [1]), ("level", "Engagement: High", [0])]
