"""Each aggregate against values computed by hand on a small fixture."""
from __future__ import annotations

import datetime as dt
import math

import pytest

from observe.insights import services
from tests.insights.conftest import DOCUMENT, make_template, record_observation, simple

SEPT = dt.date(2026, 9, 14)


@pytest.fixture
def req(app, ctx):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def five(template, make_user, req):
    """Five observations of three teachers in September 2026."""
    t1, t2, t3 = (make_user(name=f"T{i}") for i in range(3))
    intervals = [{"teacher": ["L"], "students": ["Li"]}, {"teacher": ["L", "Q"], "students": ["G"]}]
    other = [{"teacher": ["Q"], "students": ["G"]}, {"teacher": ["Q"], "students": ["G"]}]
    rows = [
        (t1, simple("1", "yes", 2, (10, 20), ["a"]), intervals),
        (t1, simple("2", "yes", 4, (15, 20), ["a", "b"]), intervals),
        (t2, simple("3", "no", 6, (5, 10), ["b"]), intervals),
        (t2, simple("3", "not_observed", 8, (9, 12), ["a", "c"]), intervals),
        (t3, simple("na", "yes", 10, (7, 7), ["a"]), other),
    ]
    for teacher, answers, cells in rows:
        answers["I1"] = {"value": cells}
        record_observation(template, teacher, SEPT, answers)
    return template


def board_for(version, **kw):
    from observe.schools.models import School
    from observe.extensions import db

    school = db.session.get(School, version.school_id)
    filters = services.Filters(school_ids=(school.id,), start=dt.date(2026, 8, 1), end=dt.date(2026, 12, 31),
                               template_key="walk", **kw)
    return services.dashboard(filters, services.Threshold.for_organisation(school.organisation))


def item(board, key):
    return next(i for i in board.items if i.key == key)


def shares(result):
    return {bar.value: round(bar.share, 4) for bar in result.bars}


def test_scale_distribution_and_mean(five):
    s1 = item(board_for(five), "S1")
    assert s1.shown and s1.cell.observations == 5 and s1.cell.n_teachers == 3
    assert shares(s1) == {"1": 0.2, "2": 0.2, "3": 0.4, "4": 0.0, "na": 0.2}
    assert [bar.count for bar in s1.bars] == [1, 1, 2, 0, 1]
    assert s1.headline == pytest.approx((1 + 2 + 3 + 3) / 4)  # "not applicable" has no score


def test_yes_no_share_of_observed(five):
    y1 = item(board_for(five), "Y1")
    assert y1.headline == pytest.approx(3 / 4)  # 3 yes of 4 observed; "not observed" is left out
    assert shares(y1) == {"yes": 0.6, "no": 0.2, "not_observed": 0.2}


def test_counter_mean_and_spread(five):
    c1 = item(board_for(five), "C1").cell.stats
    assert c1.mean == pytest.approx(6.0)
    assert c1.spread == pytest.approx(math.sqrt(40 / 4))  # sample sd of 2, 4, 6, 8, 10
    assert (c1.low, c1.high) == (2.0, 10.0)


def test_x_of_y_mean_share_and_spread(five):
    x1 = item(board_for(five), "X1").cell.stats
    values = [0.5, 0.75, 0.5, 0.75, 1.0]
    mean = sum(values) / 5
    assert x1.mean == pytest.approx(mean)
    assert x1.spread == pytest.approx(math.sqrt(sum((v - mean) ** 2 for v in values) / 4))


def test_checklist_frequency_per_observation(five):
    k1 = item(board_for(five), "K1")
    assert shares(k1) == {"a": 0.8, "b": 0.4, "c": 0.2}  # of 5 observations, several ticks allowed


def test_interval_share_of_intervals_per_code(five):
    i1 = item(board_for(five), "I1")
    # 10 intervals observed: L in 8, Q in 4 + 2, Li in 4, G in 4 + 2.
    assert shares(i1) == {"teacher:L": 0.8, "teacher:Q": 0.6, "students:Li": 0.4, "students:G": 0.6}
    assert [bar.label for bar in i1.bars][:2] == ["Teacher: Lecturing", "Teacher: Poses question"]


def test_text_items_never_become_figures(five):
    assert "T1" not in {i.key for i in board_for(five).items}


def test_months_heatmap_and_trend_cells(five, make_user):
    teachers = [make_user() for _ in range(3)]
    for n in range(5):
        record_observation(five, teachers[n % 3], dt.date(2026, 10, 2), simple("4", "no", 1))
    board = board_for(five)
    s1 = item(board, "S1")
    assert board.months == ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
    assert s1.months["2026-09"].stats.mean == pytest.approx(2.25)
    assert s1.months["2026-10"].stats.mean == pytest.approx(4.0)
    assert item(board, "Y1").months["2026-10"].stats.mean == 0.0
    assert s1.headline == pytest.approx((1 + 2 + 3 + 3 + 4 * 5) / 9)
    assert board.observations == 10


def test_trend_continues_across_template_versions(five, make_user, school):
    renamed = {**DOCUMENT, "sections": [{**DOCUMENT["sections"][0], "items": [
        {**DOCUMENT["sections"][0]["items"][0], "label": {"sv": "Nytt namn", "en": "New wording"}}]}]}
    version2 = make_template(school, renamed, number=2)
    teachers = [make_user() for _ in range(3)]
    for n in range(5):
        record_observation(version2, teachers[n % 3], dt.date(2026, 11, 3), {"S1": {"value": "4"}})
    s1 = item(board_for(five), "S1")
    assert s1.label == "New wording"  # the newest wording, one line through both versions
    assert s1.months["2026-09"].shown and s1.months["2026-11"].shown
    assert s1.cell.observations == 10


def test_comparison_with_previous_term(five, make_user):
    teachers = [make_user() for _ in range(3)]
    for n in range(6):
        record_observation(five, teachers[n % 3], dt.date(2026, 3, 10), simple("2", "yes", 3))
    start, end = services.previous_period(dt.date(2026, 8, 1), dt.date(2026, 12, 31), "term")
    assert (start, end) == (dt.date(2026, 1, 1), dt.date(2026, 7, 31))
    board = services.with_comparison(board_for(five), start=start, end=end)
    before = item(board.compare, "S1")
    assert before.headline == pytest.approx(2.0) and before.cell.observations == 6
    assert item(board, "S1").headline == pytest.approx(2.25)


def test_filters_subject_and_kind(five, make_user):
    teachers = [make_user() for _ in range(3)]
    for n in range(5):
        record_observation(five, teachers[n % 3], SEPT, simple("4"), kind="planned", subject="Matematik")
    board = board_for(five, subject="Matematik")
    assert item(board, "S1").cell.observations == 5 and item(board, "S1").headline == 4.0
    assert item(board_for(five, kind="spontaneous"), "S1").cell.observations == 5
    assert item(board_for(five), "S1").cell.observations == 10


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_page_numbers_read_exactly_as_babel_writes_them(app, ctx, lang):
    """fmt_number / fmt_share skip Babel's pattern parsing; the text must not change."""
    from flask_babel import format_decimal, format_percent

    values = [0, 0.05, 0.15, 0.25, 0.35, 0.125, 0.135, 0.995, 2.45, 2.55, 1 / 3, 2 / 3, 999.95, 1234.45, 12345.25,
              -0.25, -1234.5, float("nan"), float("inf")]
    with app.test_request_context(headers={"Accept-Language": lang}):
        for value in values:
            assert services.fmt_number(value) == format_decimal(value, format="#,##0.0"), value
            assert services.fmt_share(value) == format_percent(value, format="#,##0\u00a0%"), value
        assert services.fmt_number(12345.25) == ("12\xa0345,2" if lang == "sv" else "12,345.2")  # half-even
        assert services.fmt_share(0.125) == "12\u00a0%"
