"""The dashboard reads monthly rollups kept as observations are written (observe/visits/rollups.py):
its figures must be exactly those the answer rows give, for any period, and `flask insights verify`
must notice when the two disagree."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from sqlalchemy import update

from observe.extensions import db
from observe.insights import aggregates, filters as filters_mod
from observe.insights.filters import Filters, whole_months
from observe.insights.thresholds import Threshold
from observe.privacy import retention
from observe.visits import rollups
from observe.visits.models import ObservationAnswer
from observe.visits.rollups import InsightCell, InsightSum

from tests.dates import today
from tests.insights.conftest import make_template, record_observation


def _raw_shape(monkeypatch):
    """Make the dashboard read every answer row itself (the rollups switched off)."""
    real = filters_mod.Shape.of

    def raw(filters):
        return dataclasses.replace(real(filters), rollup=False)
    monkeypatch.setattr(filters_mod.Shape, "of", staticmethod(raw))


def _figures(result: dict, minimum: int) -> dict:
    """Every figure of every cell; distinct teachers as far as the minimum asks (Cell.n_teachers)."""
    out = {}
    for key, entry in result.items():
        for month, cell in [("total", entry["total"]), *sorted(entry["months"].items())]:
            s = cell.stats
            out[(key, month)] = (cell.observations, min(cell.n_teachers, minimum), cell.shown, s.rows, s.numbers,
                                 round(s.total, 9), round(s.squares, 9), s.low, s.high,
                                 sorted(s.by_choice.items()), round(s.intervals, 9))
    return out


def _record_history(school, teachers, rng, start, count):
    version = make_template(school)
    for _n in range(count):
        day = start + dt.timedelta(days=rng.randrange(420))
        kind = rng.choice(["spontaneous", "spontaneous", "planned", "peer"])
        teacher = None if kind == "spontaneous" and rng.random() < 0.2 else rng.choice(teachers)
        answers = {"S1": {"value": rng.choice(["1", "2", "3", "4", "na"])}, "Y1": {"value": rng.choice(["yes", "no"])},
                   "C1": {"value": rng.randint(0, 9)},
                   "X1": {"value": {"x": rng.randint(0, 10), "y": rng.choice([0, 10, 20])}},
                   "K1": {"value": rng.sample(["a", "b", "c"], rng.randint(1, 3))},
                   "I1": {"value": [{"teacher": rng.sample(["L", "Q"], rng.randint(0, 2)),
                                     "students": rng.sample(["Li", "G"], rng.randint(0, 2))}
                                    for _ in range(rng.randint(1, 10))]}}
        record_observation(version, teacher, day, answers, kind=kind, summary_to_principal=rng.random() < 0.5,
                           subject=rng.choice(["Matematik", "Svenska", None]), year_group=rng.choice(["3", "5", None]))


@pytest.fixture
def history(ctx, school, make_school, make_user):
    """Fourteen months of walkthroughs, planned visits and peer counts by eight teachers at two schools of
    one organisation (two of them teach at both), some anonymous. Returns the first day."""
    other = make_school("Ekskolan", organisation=school.organisation)
    teachers = [make_user(email=f"t{n}@example.se") for n in range(8)]
    rng = random.Random(4)
    start = today().replace(day=1) - dt.timedelta(days=400)
    _record_history(school, teachers, rng, start, 110)
    _record_history(other, teachers[5:] + [make_user(email="e1@example.se")], rng, start, 50)
    return start


def _periods(start: dt.date) -> list[tuple[dt.date, dt.date]]:
    first_whole = (start + dt.timedelta(days=40)).replace(day=1)
    return [
        (start, today() + dt.timedelta(days=30)),  # everything, whole months
        (start + dt.timedelta(days=17), today() - dt.timedelta(days=9)),  # cut months at both ends
        (first_whole + dt.timedelta(days=3), first_whole + dt.timedelta(days=20)),  # inside one month
        (first_whole, first_whole + dt.timedelta(days=62)),  # two whole months and a cut one
        (first_whole, (first_whole + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)),  # whole months only
    ]


@pytest.mark.parametrize("min_teachers", [2, 4, 9])  # 9: more than the school has, every cell is small
def test_figures_from_the_rollups_equal_those_from_the_answer_rows(history, school, monkeypatch, min_teachers):
    threshold = Threshold(min_observations=3, min_teachers=min_teachers)
    both = tuple(sorted(s.id for s in school.organisation.schools))
    assert len(both) == 2
    cases = []
    for first, last in _periods(history):
        for schools in ((school.id,), both):  # a principal's school; the whole organisation's rows
            base = Filters(school_ids=schools, start=first, end=last, template_key="walk")
            cases += [base, dataclasses.replace(base, kind="planned"), dataclasses.replace(base, item_key="K1"),
                      dataclasses.replace(base, kind="peer"), dataclasses.replace(base, subject="Matematik"),
                      dataclasses.replace(base, year_group="5", kind="spontaneous"),
                      dataclasses.replace(base, subject="Svenska", item_key="K1"),
                      dataclasses.replace(base, subject="Matematik", year_group="5"),
                      dataclasses.replace(base, subject="Svenska", year_group="3", kind="planned")]
    with_rollups = [(_figures(aggregates.aggregate(f, threshold), threshold.min_teachers), aggregates_count(f)) for f in cases]
    assert any(figures for figures, _count in with_rollups)
    _raw_shape(monkeypatch)
    from_rows = [(_figures(aggregates.aggregate(f, threshold), threshold.min_teachers), aggregates_count(f)) for f in cases]
    for f, got, wanted in zip(cases, with_rollups, from_rows):
        assert got == wanted, f


def aggregates_count(filters: Filters) -> int:
    from observe.insights.services import _observation_count
    return _observation_count(filters)


def test_a_period_of_whole_months_reads_no_answer_row(history, school):
    """Only the rollups: the statements of such a period do not name the answer rows' table."""
    from observe.insights.filters import Shape, cut_months
    from observe.insights.statements import statements_for

    first = today().replace(day=1) - dt.timedelta(days=100)
    first = (first + dt.timedelta(days=31)).replace(day=1)
    last = (first + dt.timedelta(days=62)).replace(day=1) - dt.timedelta(days=1)
    assert cut_months(first, last) == (False, False) and cut_months(first + dt.timedelta(days=1), last) == (True, False)
    shape = Shape.of(Filters(school_ids=(school.id,), start=first, end=last, template_key="walk"))
    statements = statements_for(shape)
    for statement in (statements.sums, statements.people, statements.count, statements.intervals, statements.teachers):
        assert "observation_answers" not in str(statement.compile())


def test_whole_months_of_a_period():
    assert whole_months(dt.date(2026, 8, 1), dt.date(2026, 12, 31)) == (dt.date(2026, 8, 1), dt.date(2026, 12, 31))
    assert whole_months(dt.date(2026, 8, 2), dt.date(2026, 12, 30)) == (dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert whole_months(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert whole_months(dt.date(2026, 2, 3), dt.date(2026, 3, 20)) is None


@pytest.mark.parametrize("table", [t.name for t in (*rollups.TABLES, *rollups.DAY_TABLES)])
def test_verify_compares_every_rollup_piece_by_piece(history, table):
    """verify compares a school, an organisation, an organisation's template and month at a time (its
    memory must not follow the history): a wrong row in any of them, school or organisation, is named."""
    t = next(t for t in (*rollups.TABLES, *rollups.DAY_TABLES) if t.name == table)
    count = next(c for c in ("rows", "observations") if c in t.c)
    rollups.rebuild()  # every part up to date, the organisation's day rows included
    db.session.commit()
    for owner in ("school_id", "organisation_id"):
        if owner not in t.c:
            continue
        assert rollups.verify() == []
        changed = db.session.execute(update(t).where(t.c.id == db.session.query(t.c.id).filter(t.c[owner].is_not(None))
                                           .order_by(t.c.id.desc()).limit(1).scalar_subquery())
                           .values({count: t.c[count] + 1})).rowcount
        problems = rollups.verify()
        assert changed == 1
        assert problems and all(p.startswith(table) for p in problems), (owner, problems)
        rollups.rebuild()
        db.session.commit()
    assert rollups.verify() == []


def test_verify_names_a_rollup_that_disagrees_and_rebuild_mends_it(history, app):
    assert rollups.verify() == []
    db.session.execute(update(InsightSum).where(InsightSum.id == db.session.query(InsightSum.id).limit(1)
                                                .scalar_subquery()).values(rows=InsightSum.rows + 1))
    db.session.commit()
    problems = rollups.verify()
    assert problems and problems[0].startswith("insight_sums:")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["insights", "verify"])
    assert result.exit_code == 1 and "differences between the rollups and the answer rows" in result.output
    assert runner.invoke(args=["insights", "rebuild"]).exit_code == 0
    result = runner.invoke(args=["insights", "verify"])
    assert result.exit_code == 0 and "agree" in result.output
    assert rollups.verify() == []


def test_verify_lets_a_float_sum_differ_in_its_last_bits_but_names_a_real_difference(history):
    """A sum of squares added in another order differs in its last bits; at 500,000 observations one lay on
    verify's rounding boundary (2.2790625 kept as 2.279062, recomputed as 2.279063) and was reported as a
    difference. That is no disagreement; a sum off by a thousandth, or a count off by one, is."""
    assert rollups._differences("t", [(1, "a", 2.2790624999999)], [(1, "a", 2.2790625000001)]) == []
    assert rollups._differences("t", [(1, "a", 1e9 + 1e-3)], [(1, "a", 1e9)]) == []
    assert rollups._differences("t", [(1, "a", 2.279)], [(1, "a", 2.280)]) != []
    assert rollups._differences("t", [(1, "a", 2.0)], [(2, "a", 2.0)]) != []
    assert rollups._differences("t", [(1, "a", 2.0), (1, "a", 2.0)], [(1, "a", 2.0)]) != []
    assert rollups._differences("t", [(1, None)], [(1, 0.0)]) != []

    row = db.session.query(InsightSum).filter(InsightSum.squares > 0).order_by(InsightSum.id).first()
    squares = row.squares
    row.squares = squares * (1 + 1e-12)
    db.session.commit()
    assert rollups.verify() == []
    row.squares = squares + 0.001
    db.session.commit()
    problems = rollups.verify()
    assert problems and all(p.startswith("insight_sums:") for p in problems)
    row.squares = squares
    db.session.commit()


def test_a_peer_count_reaches_the_rollups_only_while_the_teacher_shares_it(ctx, school, make_user):
    from observe.feedback import peer

    version = make_template(school)
    teacher = make_user(email="peer@example.se")
    visit = record_observation(version, teacher, today().replace(day=1), {"C1": {"value": 7}}, kind="peer")
    period = Filters(school_ids=(school.id,), start=today().replace(day=1), end=today(), template_key="walk")
    threshold = Threshold(min_observations=1, min_teachers=1)

    def counted():
        entry = aggregates.aggregate(period, threshold).get("C1")
        return entry["total"].stats.total if entry else 0

    assert counted() == 0
    peer.set_summary_to_principal(visit, teacher, True)
    db.session.commit()
    assert counted() == 7 and rollups.verify() == []
    peer.set_summary_to_principal(visit, teacher, False)
    db.session.commit()
    assert counted() == 0 and rollups.verify() == []


def test_de_identified_and_deleted_visits_leave_the_rollups(history, school):
    whole = Filters(school_ids=(school.id,), start=history, end=today() + dt.timedelta(days=30), template_key="walk")
    threshold = Threshold(min_observations=1, min_teachers=1)
    before = aggregates.aggregate(whole, threshold)["S1"]["total"]
    visits = db.session.execute(db.text("SELECT id FROM visits WHERE teacher_id IS NOT NULL AND kind = 'spontaneous'"
                                        " ORDER BY id")).scalars().all()[:30]
    retention.delete_visits(school, visits[:10])
    db.session.commit()
    after = aggregates.aggregate(whole, threshold)["S1"]["total"]
    assert after.observations == before.observations - 10
    assert rollups.verify() == []


def test_an_organisations_period_that_cuts_months_reads_no_answer_row(history, school):
    """Its cut days come from the organisation's day rollups, so its cost does not follow the history."""
    from observe.insights.filters import Shape
    from observe.insights.statements import statements_for

    both = tuple(sorted(s.id for s in school.organisation.schools))
    filters = aggregates.with_rollups(Filters(school_ids=both, start=history + dt.timedelta(days=17),
                                              end=today() - dt.timedelta(days=9), template_key="walk"))
    shape = Shape.of(filters)
    assert shape.organisation and shape.cut == (True, True)
    statements = statements_for(shape)
    for statement in (statements.sums, statements.people, statements.count, statements.intervals, statements.teachers):
        compiled = str(statement.compile())
        assert "observation_answers" not in compiled and "insight_day_sums" in str(statements.sums.compile())
    # A subject, a year group or both: the organisation's day rows for that value, no answer row either.
    for value in ({"subject": "Matematik"}, {"year_group": "5"}, {"subject": "Matematik", "year_group": "5"}):
        statements = statements_for(Shape.of(dataclasses.replace(filters, **value)))
        assert "observation_answers" not in str(statements.sums.compile())
        assert "observation_answers" not in str(statements.teachers.compile())
    # A teacher group reads the answer rows (membership on the day).
    assert "observation_answers" in str(statements_for(Shape.of(dataclasses.replace(
        filters, group_id=1))).sums.compile())
    # A principal's school still reads its cut days from the answer rows.
    one = Shape.of(Filters(school_ids=(school.id,), start=filters.start, end=filters.end, template_key="walk"))
    assert "observation_answers" in str(statements_for(one).sums.compile())


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@pytest.mark.parametrize("period", ["whole month", "cut days"])
def test_an_organisation_view_shows_a_visit_written_after_it_was_last_read(history, school, period):
    """A write marks the organisation's day stale; the next organisation view recomputes what it reads of it:
    the day's month rows for a period of whole months, the day's rows for a period that cuts it."""
    both = tuple(sorted(s.id for s in school.organisation.schools))
    month = today().replace(day=1)
    # "cut days": from the middle of last month to the 28th of this one (no whole month: all days).
    start, end = ((month, _month_end(month)) if period == "whole month" else
                  (month - dt.timedelta(days=12), month + dt.timedelta(days=27)))
    period = Filters(school_ids=both, start=start, end=end, template_key="walk")
    assert aggregates.with_rollups(period).organisation_id == school.organisation_id
    threshold = Threshold(min_observations=1, min_teachers=1)
    before = aggregates.aggregate(period, threshold).get("C1")
    db.session.commit()
    seen = before["total"].observations if before else 0
    record_observation(make_template(school, number=2), None, month, {"C1": {"value": 3}})
    assert _stale_parts(month) == set(rollups.PARTS)
    after = aggregates.aggregate(period, threshold)["C1"]["total"]
    db.session.commit()
    assert after.observations == seen + 1
    read = "month" if period.start == month else ""
    assert _stale_parts(month) == set(rollups.PARTS) - {read} and rollups.verify() == []


def _stale_parts(day: dt.date) -> set[str]:
    """The parts of the organisation's day that are stale."""
    stale = rollups.InsightStale.__table__
    return set(db.session.execute(db.select(stale.c.part).where(stale.c.day == day)).scalars())


def test_a_day_written_again_while_a_view_recomputes_it_stays_stale(history, school, monkeypatch):
    """A write that lands between a view reading a stale day's counter and clearing it bumps the counter:
    the day stays stale, so the next view recomputes it with that write."""
    both = tuple(sorted(s.id for s in school.organisation.schools))
    day = today().replace(day=1)
    view = Filters(school_ids=both, start=day, end=_month_end(day), template_key="walk")
    aggregates.with_rollups(view)  # the history's writes brought up to date
    db.session.commit()
    record_observation(make_template(school, number=2), None, day, {"C1": {"value": 3}})
    stale = rollups.InsightStale.__table__
    month_part = db.select(stale.c.day, stale.c.version).where(stale.c.part == "month", stale.c.day >= day)
    assert db.session.execute(month_part).all() == [(day, 1)]
    recompute = rollups._recompute_org

    def written_meanwhile(connection, *args):
        recompute(connection, *args)
        rollups.mark_days_stale(connection, [(school.id, "walk", day)])
    monkeypatch.setattr(rollups, "_recompute_org", written_meanwhile)
    aggregates.with_rollups(view)
    assert db.session.execute(month_part).all() == [(day, 2)]
    monkeypatch.setattr(rollups, "_recompute_org", recompute)
    aggregates.with_rollups(view)
    assert db.session.execute(month_part).all() == []
    db.session.commit()
    assert rollups.verify() == []


def test_observations_added_to_a_month_are_merged_into_its_rollups(history, school, make_user, monkeypatch):
    """New observations' rows (the sync batch, the online form) are merged into their month's rollups
    (the rollups plus the new rows) instead of the month being recomputed from all its rows; the result
    is the same as recomputing: walkthroughs, anonymous ones, peer counts shared or not, interval sheets."""
    from observe.visits import answer_rows
    from observe.visits.models import Observation, Visit

    version = make_template(school, number=2)
    teachers = [make_user(email=f"m{n}@example.se") for n in range(3)] + [None]
    month = today().replace(day=1)
    recomputed, refresh = [], rollups.refresh

    def noting(keys, session=None, new=None):
        recomputed.extend({(s, t, d.strftime("%Y-%m")) for s, t, d in keys} - {
            (s, t, d.strftime("%Y-%m")) for s, t, d in (new or {})})
        return refresh(keys, session, new)
    monkeypatch.setattr(rollups, "refresh", noting)
    rng = random.Random(9)
    for n in range(12):
        kind = ["spontaneous", "planned", "peer"][n % 3]
        teacher = teachers[n % 4] if kind != "peer" else teachers[n % 3]
        visit = Visit(school_id=school.id, kind=kind, status="completed", teacher_id=getattr(teacher, "id", None),
                      template_version_id=version.id, summary_to_principal=n % 2 == 0,
                      started_at=dt.datetime.combine(month + dt.timedelta(days=n % 5), dt.time(9),
                                                     tzinfo=dt.timezone.utc))
        db.session.add(visit)
        db.session.flush()
        answers = {"S1": {"value": rng.choice(["1", "2", "3", "4", "na"])}, "C1": {"value": rng.randint(0, 9)},
                   "K1": {"value": rng.sample(["a", "b", "c"], rng.randint(1, 3))},
                   "I1": {"value": [{"teacher": ["L"], "students": ["G"]} for _ in range(rng.randint(1, 4))]}}
        observation = Observation(school_id=school.id, visit_id=visit.id, template_version_id=version.id,
                                  answers=answers, status="complete")
        db.session.add(observation)
        db.session.flush()
        answer_rows.write_answer_rows(observation, visit, answer_rows.FormVersion(version.id, version.document),
                                      new=True)
        db.session.commit()
        assert rollups.verify() == []
    assert recomputed == []  # every write was merged, none recomputed the month



def _new_observation(school, version, teacher, day, answers, *, kind="spontaneous", subject=None, year_group=None,
                     shared=False):
    """A completed visit whose observation's answer rows are written as new, as a sync batch writes them."""
    from observe.visits import answer_rows
    from observe.visits.models import Observation, Visit

    visit = Visit(school_id=school.id, kind=kind, status="completed", teacher_id=getattr(teacher, "id", None),
                  template_version_id=version.id, summary_to_principal=shared, subject=subject, year_group=year_group,
                  started_at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.timezone.utc))
    db.session.add(visit)
    db.session.flush()
    observation = Observation(school_id=school.id, visit_id=visit.id, template_version_id=version.id,
                              answers=answers, status="complete")
    db.session.add(observation)
    db.session.flush()
    answer_rows.write_answer_rows(observation, visit, answer_rows.FormVersion(version.id, version.document), new=True)
    db.session.commit()
    return visit


def _pending_parts(day: dt.date) -> set[str]:
    pending = rollups.InsightPending.__table__
    return set(db.session.execute(db.select(pending.c.part).where(pending.c.day == day)).scalars())


def test_new_observations_are_merged_into_the_organisations_day_rows(history, school, make_user, monkeypatch):
    """A new observation (a sync batch, the online form) leaves its organisation's month and day rows
    pending, not stale: the next view that reads them adds its rows to theirs instead of recomputing the
    month from every school's rows or the day from every answer row of it. Each view shows it, and the
    rows equal what recomputing gives — the month, the day for every visit and per subject, year group and
    both; anonymous, peer shared or not, interval sheets."""
    both = tuple(sorted(s.id for s in school.organisation.schools))
    version = make_template(school, number=2)
    teachers = [make_user(email=f"n{n}@example.se") for n in range(3)] + [None]
    day = today().replace(day=1) + dt.timedelta(days=2)
    threshold = Threshold(min_observations=1, min_teachers=0)
    rollups.rebuild()
    db.session.commit()
    recomputed = []
    real_day, real_month = rollups._day_statements, rollups._recompute_org
    monkeypatch.setattr(rollups, "_day_statements", lambda dialect: recomputed.append(dialect) or real_day(dialect))
    monkeypatch.setattr(rollups, "_recompute_org", lambda *args: recomputed.append(args) or real_month(*args))

    def observed(**view):
        entry = aggregates.aggregate(Filters(school_ids=both, template_key="walk", **{"start": day, "end": day, **view}),
                                     threshold).get("C1")
        db.session.commit()
        return entry["total"].observations if entry else 0

    whole = {"start": day.replace(day=1), "end": _month_end(day)}  # reads the organisation's month rows
    views = [{}, whole, {"subject": "Bild"}, {"year_group": "7"}, {"subject": "Bild", "year_group": "7"},
             {"subject": "Musik"}]
    rng = random.Random(5)
    for n in range(10):
        before = [observed(**view) for view in views]
        kind = ["spontaneous", "planned", "peer", "spontaneous", "spontaneous"][n % 5]
        subject = ["Bild", "Musik", None][n % 3]
        year_group = ["7", None][n % 2]
        shared = n % 4 < 2
        answers = {"S1": {"value": rng.choice(["1", "2", "4", "na"])}, "C1": {"value": rng.randint(0, 9)},
                   "K1": {"value": rng.sample(["a", "b", "c"], rng.randint(1, 3))},
                   "I1": {"value": [{"teacher": ["L"], "students": ["G"]} for _ in range(rng.randint(1, 4))]}}
        _new_observation(school, version, teachers[n % 4], day, answers, kind=kind, subject=subject,
                         year_group=year_group, shared=shared)
        assert _pending_parts(day) == set(rollups.PARTS) and _stale_parts(day) == set()
        counts = kind != "peer" or shared
        wanted = [int(counts and all(view.get(name) in (None, value) for name, value in
                                     (("subject", subject), ("year_group", year_group)))) for view in views]
        assert [observed(**view) - seen for view, seen in zip(views, before)] == wanted, n
        assert _pending_parts(day) == set() and _stale_parts(day) == set()
        assert rollups.verify() == [], n
    assert recomputed == []  # every day and month was merged, none recomputed


def test_a_day_cell_merged_past_the_teacher_cap_stays_exact(history, school, make_user, monkeypatch):
    """A day cell keeps its teachers up to TEACHER_CAP and its teacher rows only below it. Merging new
    observations into a cell below the cap counts their teachers against its rows; into a cell at the
    cap, it stays there. The organisation's month cells alike. (The cap is lowered to 3 here so that a
    few teachers reach it.)"""
    cap = rollups.TEACHER_CAP
    monkeypatch.setattr(rollups, "TEACHER_CAP", 3)
    for cached in (rollups._day_statements, rollups._new_day_statements, rollups._verify_statements):
        cached.cache_clear()
    try:
        both = tuple(sorted(s.id for s in school.organisation.schools))
        version = make_template(school, number=2)
        teachers = [make_user(email=f"c{n}@example.se") for n in range(5)]
        day = today().replace(day=1) + dt.timedelta(days=4)
        rollups.rebuild()
        db.session.commit()
        day_cells = rollups.InsightDayCell.__table__.c
        for n, teacher in enumerate([*teachers[:2], teachers[0], *teachers[2:]]):
            _new_observation(school, version, teacher, day, {"C1": {"value": n}}, subject="Bild")
            for view in ({"start": day, "end": day, "subject": "Bild"},
                         {"start": day.replace(day=1), "end": _month_end(day)}):  # a day's rows, the month's
                aggregates.aggregate(Filters(school_ids=both, template_key="walk", **view),
                                     Threshold(min_observations=1, min_teachers=2))
                db.session.commit()
            cell = db.session.execute(db.select(day_cells.observations, day_cells.teachers).where(
                day_cells.day == day, day_cells.facet == "subject", day_cells.value == "Bild",
                day_cells.item_key == "C1")).one()
            assert tuple(cell) == (n + 1, min([1, 2, 2, 3, 4, 5][n], 3)), n
            month = db.session.execute(db.select(InsightCell.teachers).where(
                InsightCell.organisation_id == school.organisation_id, InsightCell.template_key == "walk",
                InsightCell.month == day.strftime("%Y-%m"), InsightCell.item_key == "C1",
                InsightCell.visit_kind == "spontaneous")).scalar()
            answers = ObservationAnswer
            seen = db.session.execute(db.select(db.func.count(db.distinct(answers.teacher_id))).where(
                answers.school_id.in_(both), answers.template_key == "walk", answers.item_key == "C1",
                answers.visit_kind == "spontaneous", answers.observed_on >= day.replace(day=1),
                answers.observed_on <= _month_end(day))).scalar()
            assert month == min(seen, 3), (n, month, seen)
            people = db.session.execute(db.select(db.func.count()).select_from(rollups.InsightDayPeople).where(
                rollups.InsightDayPeople.day == day, rollups.InsightDayPeople.facet == "subject",
                rollups.InsightDayPeople.item_key == "C1")).scalar()
            assert people == (cell.teachers if cell.teachers < 3 else 0), n  # teacher rows only below the cap
            assert rollups.verify() == [], n
    finally:
        monkeypatch.setattr(rollups, "TEACHER_CAP", cap)
        for cached in (rollups._day_statements, rollups._new_day_statements, rollups._verify_statements):
            cached.cache_clear()
        rollups.rebuild()  # the rows as the real cap keeps them
        db.session.commit()


def test_a_visit_whose_subject_changes_moves_to_that_subject_in_the_organisations_view(history, school, monkeypatch):
    both = tuple(sorted(s.id for s in school.organisation.schools))
    month = today().replace(day=1)
    visit = record_observation(make_template(school, number=2), None, month, {"C1": {"value": 3}}, subject="Bild",
                               year_group="4")
    threshold = Threshold(min_observations=1, min_teachers=0)

    def counted(subject, year_group=None):
        view = Filters(school_ids=both, start=month, end=_month_end(month), template_key="walk", subject=subject,
                       year_group=year_group)
        entry = aggregates.aggregate(view, threshold).get("C1")
        db.session.commit()
        return entry["total"].observations if entry else 0

    assert (counted("Bild"), counted("Musik"), counted("Bild", "4"), counted("Musik", "4")) == (1, 0, 1, 0)
    rollups.rebuild()  # nothing stale
    db.session.commit()
    refreshed = []
    monkeypatch.setattr(rollups, "refresh", lambda *args, **kwargs: refreshed.append(args))
    visit.subject = "Musik"
    db.session.commit()
    # Only the facets' day rows follow a visit's subject: no school month is recomputed, no month row is stale.
    assert refreshed == [] and _stale_parts(month) == {"subject", "year_group", "subject_year_group"}
    assert rollups.verify() == []
    assert (counted("Bild"), counted("Musik"), counted("Bild", "4"), counted("Musik", "4")) == (0, 1, 0, 1)
    assert rollups.verify() == []


def test_a_view_brings_up_to_date_only_what_it_reads(history, school, make_user):
    """After a write, each kind of organisation view recomputes only the stale parts it reads, shows the
    write, and leaves the rest stale for the views that read them; a view that reads only answer rows
    (a teacher group) or a period without the day leaves them all."""
    both = tuple(sorted(s.id for s in school.organisation.schools))
    month = today().replace(day=1)
    day = month + dt.timedelta(days=3)
    threshold = Threshold(min_observations=1, min_teachers=0)
    rollups.rebuild()
    db.session.commit()
    record_observation(make_template(school, number=2), make_user(email="new@example.se"), day,
                       {"C1": {"value": 3}}, subject="Bild", year_group="7")

    def observed(**view):
        filters = Filters(school_ids=both, template_key="walk", **view)
        entry = aggregates.aggregate(filters, threshold).get("C1")
        db.session.commit()
        return entry["total"].observations if entry else 0

    whole, cut = {"start": month, "end": _month_end(month)}, {"start": day, "end": day + dt.timedelta(days=2)}
    before = month - dt.timedelta(days=40)
    assert observed(start=before, end=month - dt.timedelta(days=1)) >= 0
    assert observed(**whole, group_id=1) == 0
    assert _stale_parts(day) == set(rollups.PARTS)
    assert observed(**whole) >= 1
    assert _stale_parts(day) == {"", "subject", "year_group", "subject_year_group"}
    assert observed(**whole, subject="Bild") == 1
    assert _stale_parts(day) == {"", "year_group", "subject_year_group"}
    assert observed(**cut) >= 1
    assert _stale_parts(day) == {"year_group", "subject_year_group"} and rollups.verify() == []
    assert observed(**cut, year_group="7") == 1
    assert _stale_parts(day) == {"subject_year_group"} and rollups.verify() == []
    assert (observed(**cut, subject="Bild", year_group="7"), observed(**cut, subject="Bild", year_group="8")) == (1, 0)
    assert _stale_parts(day) == set() and rollups.verify() == []
