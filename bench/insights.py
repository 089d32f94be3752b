"""Benchmark: the insights dashboard at the size of a municipality, and how its cost grows.

Generates an organisation in a fresh database (SQLite file, or PostgreSQL with --database;
bulk inserts of rows made by the real form engine, observe.templates_.items.answer_rows), builds
the dashboard's rollups from them (observe.visits.rollups.rebuild) and checks them against the
rows (verify), then times, in turns,
  1. the service call that computes the dashboard's numbers,
  2. the HTTP page through the Flask test client (login, filters, SVG, tables),
  3. the best hand-written SQL over the raw answer rows for the same numbers,
and prints medians. Run:

    .venv/bin/python bench/insights.py [--observations 50000] [--keep /tmp/insights-bench.sqlite]
    # the growth table (docs/performance.md): one municipality (150 schools, 33 teachers each,
    # five school years) at 50,000 and at 500,000 observations, on SQLite or PostgreSQL
    .venv/bin/python bench/insights.py --growth 50000,500000
    .venv/bin/python bench/insights.py --growth 50000,500000 --database postgresql+psycopg://postgres@127.0.0.1:5432/
    # only the history grows: as many observations a day (500,000's over five years), over half a year and a year
    .venv/bin/python bench/insights.py --growth 50000,100000 --days 366 --history [--database …]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from observe import create_app  # noqa: E402
from observe.extensions import db  # noqa: E402

SCHOOLS = 10
TEACHERS_PER_SCHOOL = 30
DAYS = 730
REPEAT = 7
PASSWORD_HASH = None
CHUNK = 5000  # observations generated and inserted at a time (500,000 would not fit in memory at once)
VERIFY_UP_TO = None  # --verify-up-to: verify the rollups only of sizes up to this (None: every size)


def _answers(document: dict, rng: random.Random) -> dict:
    """Plausible answers for every non-text item of a document."""
    from observe.templates_.items import choice_values

    answers = {}
    for section in document["sections"]:
        for item in section["items"]:
            kind = item["type"]
            if kind in ("scale", "yes_no", "choice"):
                values = choice_values(item)
                answers[item["key"]] = {"value": rng.choice(values)}
            elif kind == "checklist":
                values = choice_values(item)
                answers[item["key"]] = {"value": rng.sample(values, rng.randint(1, 2))}
            elif kind == "counter":
                answers[item["key"]] = {"value": rng.randint(0, 12)}
            elif kind == "x_of_y":
                y = rng.randint(15, 30)
                answers[item["key"]] = {"value": {"x": rng.randint(y // 2, y), "y": y}}
            elif kind == "text" and rng.random() < 0.3:
                answers[item["key"]] = {"value": "Eleverna förklarar sina strategier för varandra."}
    return answers


def generate(n_observations: int, seed: int = 7, schools_n: int = SCHOOLS, teachers_n: int = TEACHERS_PER_SCHOOL,
             days: int = DAYS) -> dict:
    """Fill the database (in chunks of CHUNK observations); returns the ids the timings need."""
    from observe.auth.models import Membership, Role, User
    from observe.schools.models import GroupMembership, Organisation, School, TeacherGroup
    from observe.templates_.items import answer_rows
    from observe.templates_.services import install_defaults
    from observe.visits.models import Observation, ObservationAnswer, Visit

    rng = random.Random(seed)
    org = Organisation(name="Bench kommun")
    db.session.add(org)
    db.session.flush()
    schools, versions, teachers = [], {}, {}
    leader = User(organisation_id=org.id, email="leader@bench.se", name="Huvudman", password_hash=PASSWORD_HASH,
                  is_org_leader=True)
    db.session.add(leader)
    principals = []
    for s in range(schools_n):
        school = School(name=f"Skola {s + 1:03d}", organisation_id=org.id)
        db.session.add(school)
        db.session.flush()
        for template in install_defaults(school):
            versions[(school.id, template.key)] = template.latest
        principal = User(organisation_id=org.id, email=f"rektor{s}@bench.se", name=f"Rektor {s}",
                         password_hash=PASSWORD_HASH if s == 0 else None)
        principal.memberships.append(Membership(school_id=school.id, role=str(Role.PRINCIPAL)))
        principal.memberships.append(Membership(school_id=school.id, role=str(Role.TEACHER)))
        db.session.add(principal)
        principals.append(principal)
        staff = []
        for t in range(teachers_n):
            teacher = User(organisation_id=org.id, email=f"t{s}-{t}@bench.se", name=f"Lärare {s}-{t}")
            teacher.memberships.append(Membership(school_id=school.id, role=str(Role.TEACHER)))
            db.session.add(teacher)
            staff.append(teacher)
        db.session.flush()
        teachers[school.id] = [t.id for t in staff]
        # two arbetslag, half the teachers each, members from the group's start
        for name, members in (("Arbetslag F–3", staff[:teachers_n // 2]), ("Arbetslag 4–6", staff[teachers_n // 2:])):
            db.session.add(TeacherGroup(school_id=school.id, name=name, members=members,
                                        memberships=[GroupMembership(user_id=t.id) for t in members]))
        schools.append(school)
    db.session.commit()
    principal_ids = [p.id for p in principals]
    documents = {key: (version.id, version.document) for key, version in versions.items()}

    today = dt.date.today()
    subjects = ["Matematik", "Svenska", "Engelska", "NO", "SO", "Idrott"]
    now = dt.datetime.now(dt.timezone.utc)
    n_answers = 0
    for chunk_start in range(0, n_observations, CHUNK):
        visits, observations, answers = [], [], []
        for n in range(chunk_start, min(n_observations, chunk_start + CHUNK)):
            s = n % schools_n
            school_id = schools[s].id
            planned = rng.random() < 0.65
            version_id, document = documents[(school_id, "planned" if planned else "walkthrough")]
            day = today - dt.timedelta(days=rng.randrange(days))
            anonymous = not planned and rng.random() < 0.2
            teacher_id = None if anonymous else rng.choice(teachers[school_id])
            started = dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.timezone.utc)
            visit_id = n + 1
            kind = "planned" if planned else "spontaneous"
            visits.append({"id": visit_id, "uuid": uuid.uuid4(), "school_id": school_id, "kind": kind,
                           "status": "completed", "purpose": "development", "observer_id": principal_ids[s],
                           "teacher_id": teacher_id, "subject": rng.choice(subjects),
                           "year_group": str(rng.randint(1, 9)), "template_version_id": version_id,
                           "started_at": started, "ended_at": started, "focus_item_keys": [], "preconference": {},
                           "summary_to_principal": False, "revision": 1, "created_at": now, "updated_at": now})
            values = _answers(document, rng)
            observations.append({"id": visit_id, "uuid": uuid.uuid4(), "school_id": school_id, "visit_id": visit_id,
                                 "author_id": principal_ids[s], "template_version_id": version_id,
                                 "answers": values, "notes": [], "status": "complete", "revision": 1,
                                 "created_at": now, "updated_at": now, "completed_at": now})
            for row in answer_rows(document, values):
                answers.append({**row, "observation_id": visit_id, "school_id": school_id, "visit_kind": kind,
                                "observed_on": day, "teacher_id": teacher_id})
        db.session.execute(Visit.__table__.insert(), visits)
        db.session.execute(Observation.__table__.insert(), observations)
        _insert_answers(ObservationAnswer.__table__, answers)
        db.session.commit()
        n_answers += len(answers)
    return {"school_ids": tuple(s.id for s in schools), "answers": n_answers, "group": _first_group(),
            "principal_email": principals[0].email, "leader_email": leader.email,
            "organisation": org}


def _insert_answers(table, rows: list[dict]) -> None:
    """PostgreSQL: COPY (an INSERT per thousand rows would dominate a 10-million-row load); SQLite: executemany."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = [c.name for c in table.columns if c.name != "id"]
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.get(name) for name in columns])


def analyze() -> None:
    """Statistics for the planners; on PostgreSQL also the id sequences of the tables `generate` filled with
    explicit ids, so that a write through the app (written_today) gets a new id."""
    if db.engine.dialect.name == "postgresql":
        for table in ("visits", "observations"):
            db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()


def _first_group() -> int:
    """The first school's first teacher group (the teacher-group view's filter)."""
    from observe.schools.models import TeacherGroup

    return db.session.execute(db.select(TeacherGroup.id).order_by(TeacherGroup.id).limit(1)).scalar_one()


def existing() -> dict:
    from observe.schools.models import Organisation, School

    org = db.session.execute(db.select(Organisation)).scalar_one()
    ids = tuple(db.session.execute(db.select(School.id).order_by(School.id)).scalars())
    return {"school_ids": ids, "principal_email": "rektor0@bench.se", "leader_email": "leader@bench.se",
            "organisation": org, "group": _first_group()}


HAND_SQL = {
    # The same three result sets the service computes, written directly against the table.
    "sums": """
        SELECT a.item_key, a.item_type, {month} AS month, a.choice, count(*), count(a.number),
               sum(a.number), sum(a.number * a.number), min(a.number), max(a.number)
        FROM observation_answers a
        WHERE a.school_id IN ({schools}) AND a.template_key = {p} AND a.observed_on BETWEEN {p} AND {p}{visits}
          AND (a.visit_kind != 'peer' OR (a.item_type IN ('counter', 'timed_log') AND EXISTS (
               SELECT 1 FROM observations o JOIN visits v ON v.id = o.visit_id
               WHERE o.id = a.observation_id AND v.summary_to_principal)))
        GROUP BY a.item_key, a.item_type, month, a.choice""",
    "people": """
        WITH per_teacher AS (
          SELECT a.item_key, {month} AS month, a.teacher_id, count(DISTINCT a.observation_id) AS n
          FROM observation_answers a
          WHERE a.school_id IN ({schools}) AND a.template_key = {p} AND a.observed_on BETWEEN {p} AND {p}{visits}
            AND (a.visit_kind != 'peer' OR (a.item_type IN ('counter', 'timed_log') AND EXISTS (
                 SELECT 1 FROM observations o JOIN visits v ON v.id = o.visit_id
                 WHERE o.id = a.observation_id AND v.summary_to_principal)))
          GROUP BY a.item_key, month, a.teacher_id)
        SELECT item_key, month, sum(n), count(teacher_id) FROM per_teacher GROUP BY item_key, month
        UNION ALL
        SELECT item_key, NULL, sum(n), count(DISTINCT teacher_id) FROM per_teacher GROUP BY item_key""",
    "count": """
        SELECT count(DISTINCT a.observation_id)
        FROM observation_answers a
        WHERE a.school_id IN ({schools}) AND a.template_key = {p} AND a.observed_on BETWEEN {p} AND {p}{visits}
          AND (a.visit_kind != 'peer' OR (a.item_type IN ('counter', 'timed_log') AND EXISTS (
               SELECT 1 FROM observations o JOIN visits v ON v.id = o.visit_id
               WHERE o.id = a.observation_id AND v.summary_to_principal)))""",
}


def hand_sql(school_ids, template_key, start, end, subject=None, year_group=None, group_id=None):
    """The hand-written SQL on the driver's own connection (no SQLAlchemy in between); subject, year_group:
    only the observations of visits with those values; group_id: only rows whose teacher was in that teacher
    group on the day, of the group's school (a teacher group is one school's team)."""
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    if group_id is not None:
        school_ids = (db.session.execute(db.text("SELECT school_id FROM teacher_groups WHERE id = :g"),
                                         {"g": group_id}).scalar_one(),)
    schools = ",".join(str(int(i)) for i in school_ids)
    if connection.dialect.name == "postgresql":
        syntax, values = {"month": "to_char(a.observed_on, 'YYYY-MM')", "p": "%s"}, (template_key, start, end)
    else:
        syntax, values = {"month": "substr(a.observed_on, 1, 7)", "p": "?"}, (template_key, start.isoformat(),
                                                                             end.isoformat())
    visit = " AND ".join([f"v.subject = '{subject}'"] * bool(subject) + [f"v.year_group = '{year_group}'"] * bool(year_group))
    visits = ("" if not visit else " AND a.observation_id IN (SELECT o.id FROM observations o JOIN visits v"
              f" ON v.id = o.visit_id WHERE v.school_id IN ({schools}) AND {visit})")
    if group_id is not None:
        visits += (f" AND a.teacher_id IN (SELECT m.user_id FROM group_memberships m WHERE m.group_id = {int(group_id)}"
                   " AND (m.since IS NULL OR m.since <= a.observed_on) AND (m.until IS NULL OR m.until > a.observed_on))")
    out = {}
    for name, sql in HAND_SQL.items():
        out[name] = raw.execute(sql.format(schools=schools, visits=visits, **syntax), values).fetchall()
    return out


def _timed(fn) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def view_runs(app, client, service_fn, sql_fn, url, prepare=None) -> dict:
    """The three things timed per view: the service, the HTTP page and the hand SQL
    (prepare: run before each timed service and page, outside the timing)."""
    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def in_context(fn, before=None):
        def run():
            with app.app_context(), app.test_request_context():
                if before:
                    before()
                return _timed(fn)
        return run

    def timed_page():
        if prepare:
            in_context(prepare)()
        return _timed(page)

    return {"service": in_context(service_fn, prepare), "page": timed_page, "sql": in_context(sql_fn)}


def written_today(organisation_id: int):
    """A write of one new observation today, as a sync batch writes it (its answer rows, its school's
    month merged, its organisation's day left pending and its month stale), committed: what the
    organisation's next view finds. Each call writes another copy of an observation of that day.

    "Today" is the last day the data has observations on: timed after midnight, or with --reuse on a
    later day, the calendar's today has none, and the view would find an empty day."""
    last = []

    def write():
        from sqlalchemy import func, select

        from observe.schools.models import School
        from observe.visits import answer_rows
        from observe.visits.models import Observation, ObservationAnswer, Visit

        if not last:  # looked up once (the warm-up run prepares first)
            a = ObservationAnswer
            day = db.session.execute(select(func.max(a.observed_on))).scalar()
            last.append(db.session.execute(
                select(a.observation_id).join(School, School.id == a.school_id)
                .where(a.observed_on == day, a.template_key == "planned", School.organisation_id == organisation_id)
                .limit(1)).scalar())
        model = db.session.get(Observation, last[0])
        visit = db.session.get(Visit, model.visit_id)
        copy = Visit(school_id=visit.school_id, kind=visit.kind, status="completed", purpose=visit.purpose,
                     observer_id=visit.observer_id, teacher_id=visit.teacher_id, subject=visit.subject,
                     year_group=visit.year_group, template_version_id=visit.template_version_id,
                     started_at=visit.started_at, ended_at=visit.ended_at)
        db.session.add(copy)
        db.session.flush()
        observation = Observation(school_id=model.school_id, visit_id=copy.id, author_id=model.author_id,
                                  template_version_id=model.template_version_id, answers=model.answers,
                                  status="complete")
        db.session.add(observation)
        db.session.flush()
        version = model.template_version
        answer_rows.write_answer_rows(observation, copy, answer_rows.FormVersion(version.id, version.document),
                                      new=True)
        db.session.commit()
    return write


def interleaved(runs: dict, repeat=REPEAT) -> dict:
    """Median wall-clock and CPU seconds of each run, timed in turns (a, b, c, a, ...) after one warm-up
    each, so a busy spell on this shared machine slows all of them alike instead of whichever happened
    to be timed then (the growth table times both sizes of a view in the same turns)."""
    for run in runs.values():
        run()  # warm the page cache and the statement cache
    samples: dict = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            samples[name].append(run())
    return {name: (statistics.median(w for w, _c in values), statistics.median(c for _w, c in values))
            for name, values in samples.items()}


def _open(url: str, workdir: str):
    return create_app({"OBSERVE_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None,
                       "OBSERVE_DEMO": False, "WTF_CSRF_ENABLED": False}, instance_path=workdir)


def _postgres_database(base: str, name: str) -> str:
    """A fresh database `name` on the server of `base` (dropped first when it exists)."""
    import psycopg

    server = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


def build(app, n: int, **shape) -> tuple[dict, dict]:
    """Generate, build the rollups, check them; returns (info, seconds per step)."""
    with app.app_context(), app.test_request_context():
        db.create_all()
        t0 = time.perf_counter()
        info = generate(n, **shape)
        analyze()
        seconds = {"generate": time.perf_counter() - t0}
        return _rollups_checked(info, seconds)


def rebuilt(app, rebuild: bool = True) -> tuple[dict, dict]:
    """A kept database: tables and indexes the models gained since, rollups rebuilt and verified
    (rebuild=False: as they are, for timing the same code again)."""
    from observe.visits import rollups

    with app.app_context(), app.test_request_context():
        inspector = db.inspect(db.engine)
        for table in (*rollups.TABLES, *rollups.DAY_TABLES, rollups.InsightStale.__table__,
                      rollups.InsightPending.__table__):
            # derived tables whose columns changed since the database was kept are made anew
            if inspector.has_table(table.name) and ({column["name"] for column in inspector.get_columns(table.name)}
                                                    != set(table.c.keys())):
                table.drop(db.engine)
        for table in db.metadata.sorted_tables:
            table.create(db.engine, checkfirst=True)
            for index in table.indexes:
                index.create(db.engine, checkfirst=True)
        analyze()  # a database generated before analyze set the id sequences
        info = existing()
        info["answers"] = db.session.execute(db.text("SELECT count(*) FROM observation_answers")).scalar_one()
        if not rebuild:
            info["differences"], info["organisation"] = "not checked:", info["organisation"].id
            return info, {"generate": 0.0, "rollups": 0.0, "verify": 0.0}
        return _rollups_checked(info, {"generate": 0.0})


def _rollups_checked(info: dict, seconds: dict) -> tuple[dict, dict]:
    """Build the rollups from the rows and verify them (in an app context)."""
    from observe.visits import rollups

    t0 = time.perf_counter()
    rollups.rebuild()
    db.session.commit()
    analyze()
    seconds["rollups"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if VERIFY_UP_TO is None or info.get("answers", 0) <= VERIFY_UP_TO * 25:  # ~19 answer rows an observation
        info["differences"] = len(rollups.verify())
    else:
        info["differences"] = "not verified:"
    db.session.rollback()
    seconds["verify"] = time.perf_counter() - t0
    info["organisation"] = info["organisation"].id
    return info, seconds


def cases(info: dict) -> list[tuple]:
    """(label, schools, start, end, url, who, prepare, filters) for each timed view (filters: the visit and
    teacher-group filters, as services.Filters takes them)."""
    from observe.insights import services

    today = dt.date.today()
    start, end = services.term_range(services.term_of(today))
    months_back = today.replace(day=1)
    for _ in range(23):
        months_back = (months_back - dt.timedelta(days=1)).replace(day=1)
    month_end = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    cut_start = today - dt.timedelta(days=DAYS)

    def custom(a, b):
        return f"/insights/?template=planned&period=custom&start={a}&end={b}"
    return [
        ("principal, current term (default view)", info["school_ids"][:1], start, end,
         "/insights/?template=planned", info["principal_email"], None, {}),
        ("org leader, current term (default view)", info["school_ids"], start, end,
         "/insights/?template=planned", info["leader_email"], None, {}),
        # ... right after a write today: the term's months are whole, so it brings today's month up to date
        ("  the same, right after a write today", info["school_ids"], start, end,
         "/insights/?template=planned", info["leader_email"], written_today(info["organisation"]), {}),
        ("org leader, the last 24 whole months", info["school_ids"], months_back, month_end,
         custom(months_back, month_end), info["leader_email"], None, {}),
        ("org leader, two years to today (cut months)", info["school_ids"], cut_start, today,
         custom(cut_start, today), info["leader_email"], None, {}),
        # the same right after a write today: the view first brings the day up to date
        ("  the same, right after a write today", info["school_ids"], cut_start, today,
         custom(cut_start, today), info["leader_email"], written_today(info["organisation"]), {}),
        # one subject (or one year group) reads that value's day rows of the organisation
        ("org leader, current term, one subject", info["school_ids"], start, end,
         "/insights/?template=planned&subject=Matematik", info["leader_email"], None, {"subject": "Matematik"}),
        # ... right after a write today: it brings up to date only that facet's rows of the day
        ("  the same, right after a write today", info["school_ids"], start, end,
         "/insights/?template=planned&subject=Matematik", info["leader_email"], written_today(info["organisation"]),
         {"subject": "Matematik"}),
        # subject and year group together: the organisation's day rows of that pair
        ("org leader, term, subject and year group", info["school_ids"], start, end,
         "/insights/?template=planned&subject=Matematik&year_group=5", info["leader_email"], None,
         {"subject": "Matematik", "year_group": "5"}),
        # one teacher group (one school's team): its school's rows of the period, teacher by teacher
        ("org leader, current term, one teacher group", info["school_ids"], start, end,
         f"/insights/?template=planned&group={info['group']}", info["leader_email"], None,
         {"group_id": info["group"]}),
    ]


def views(app, info: dict) -> list[tuple[str, dict]]:
    """(label, runs) per timed view (see view_runs)."""
    from observe.insights import services
    from observe.schools.models import Organisation

    with app.app_context():
        threshold = services.Threshold.for_organisation(db.session.get(Organisation, info["organisation"]))
    out, clients = [], {}
    for label, school_ids, a, b, url, email, prepare, chosen in cases(info):
        if email not in clients:
            clients[email] = logged_in(app, email)
        filters = services.Filters(school_ids=tuple(school_ids), start=a, end=b, template_key="planned", **chosen)
        out.append((label, view_runs(app, clients[email], lambda f=filters: services.dashboard(f, threshold),
                                     lambda s=school_ids, a=a, b=b, c=chosen: hand_sql(s, "planned", a, b, **c), url,
                                     prepare)))
    return out


def time_views(app, info: dict, repeat: int) -> list[tuple]:
    rows = []
    for label, runs in views(app, info):
        times = interleaved(runs, repeat)
        rows.append((label, times["service"], times["page"], times["sql"]))
    return rows


def _footer(app) -> str:
    with app.app_context():
        dialect = db.engine.dialect.name
        version = (f"SQLite {sqlite3.sqlite_version}" if dialect == "sqlite" else
                   db.session.execute(db.text("SHOW server_version")).scalar_one().join(("PostgreSQL ", "")))
    return (f"{version}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}")


def growth(sizes: list[int], database: str | None, repeat: int, keep: str | None = None,
           reuse: bool = False, rebuild: bool = True, days: int = 5 * 365, history: bool = False) -> None:
    """Build each size in turn (same municipality: 150 schools, 33 teachers each, five school years), time
    each view at every size in the same turns, and print per view the page time at each size, the growth,
    and the hand SQL at the largest size.
    keep: a folder for the SQLite files (PostgreSQL: the databases are kept); reuse: time what keep holds
    (the rollups are rebuilt and verified first, so changed code is measured on the same data).
    days: the history of the largest size; history: each size spreads over days in proportion to it,
    so every size observes as much in a day and only the history grows (otherwise every size covers
    `days`, and a larger size is a busier municipality)."""
    import shutil

    shape = {"schools_n": 150, "teachers_n": 33}
    apps, timed = {}, {}
    for n in sizes:
        workdir = keep or tempfile.mkdtemp(prefix="observe-bench-")
        Path(workdir).mkdir(parents=True, exist_ok=True)
        if database:
            url = (database + f"observe_bench_{n}" if reuse else _postgres_database(database, f"observe_bench_{n}"))
        else:
            path = Path(workdir) / f"insights-{n}.sqlite"
            if path.exists() and not reuse:
                path.unlink()
            url = f"sqlite:///{path}"
        app = apps[n] = _open(url, workdir)
        span = max(1, round(days * n / sizes[-1])) if history else days
        info, seconds = rebuilt(app, rebuild) if reuse else build(app, n, **shape, days=span)
        print(f"{n:,} observations, {info['answers']:,} answer rows: generated in {seconds['generate']:.0f} s, "
              f"rollups built in {seconds['rollups']:.1f} s, verified in {seconds['verify']:.1f} s "
              f"({info['differences']} differences)", flush=True)
        timed[n] = views(app, info)
    # Each view at every size in the same turns (the hand SQL at the largest size only).
    small, large = sizes[0], sizes[-1]
    results = {n: [] for n in sizes}
    for index, (label, _runs) in enumerate(timed[small]):
        runs = {(n, name): run for n in sizes for name, run in timed[n][index][1].items()
                if name != "sql" or n == large}
        times = interleaved(runs, repeat)
        for n in sizes:
            results[n].append((label, times[(n, "service")], times[(n, "page")], times.get((n, "sql"))))
    footer = _footer(apps[large])
    for n, app in apps.items():
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if not keep:
            shutil.rmtree(app.instance_path, ignore_errors=True)
            if database:
                _postgres_database(database, f"observe_bench_{n}")  # leave an empty database
    for title, index in (("page time (HTTP)", 2), ("service (the figures, no HTML)", 1)):
        print(f"\n{title}, wall-clock median per view; hand SQL over the answer rows at {large:,}")
        print(f"{'view':46} {f'{small:,}':>9} {f'{large:,}':>9} {'growth':>7} {'hand SQL':>9} {'SQL/this':>9}")
        for row_small, row_large in zip(results[small], results[large]):
            before, after, sql = row_small[index][0], row_large[index][0], row_large[3][0]
            print(f"{row_small[0]:46} {before * 1000:6.0f} ms {after * 1000:6.0f} ms {after / before:6.2f}x "
                  f"{sql * 1000:6.0f} ms {sql / after:8.1f}x")
    print(f"\n(medians of {repeat} runs in turns after one warm-up; {footer})")


def main() -> None:
    global PASSWORD_HASH, VERIFY_UP_TO
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=50000)
    parser.add_argument("--keep", help="write the database here and keep it (default: a temporary file, removed); "
                        "with --growth a folder for the files (PostgreSQL: keep the databases)")
    parser.add_argument("--reuse", action="store_true", help="time an existing --keep database (or databases) again")
    parser.add_argument("--timing-only", action="store_true",
                        help="with --reuse: time the kept rollups as they are (no rebuild and verify)")
    parser.add_argument("--verify-up-to", type=int, default=None,
                        help="verify the rollups only of sizes up to this many observations (verify reads every "
                             "answer row several times: half an hour at 500,000)")
    parser.add_argument("--growth", help="sizes to compare, e.g. 50000,500000 (the growth table)")
    parser.add_argument("--days", type=int, default=5 * 365, help="with --growth: the days of history the largest "
                        "size covers (default five years)")
    parser.add_argument("--history", action="store_true", help="with --growth: every size observes as much a day, "
                        "the larger over more days (history grows, the day's volume does not)")
    parser.add_argument("--database", help="a PostgreSQL URL ending in '/' (databases observe_bench_<size> are made)")
    parser.add_argument("--repeat", type=int, default=None, help=f"timed runs per figure (default {REPEAT}; 3 with --growth)")
    args = parser.parse_args()
    from observe.auth.passwords import hash_password

    PASSWORD_HASH = hash_password("bench password 1")
    VERIFY_UP_TO = args.verify_up_to
    if args.growth:
        growth([int(n) for n in args.growth.split(",")], args.database, args.repeat or 3, args.keep, args.reuse,
               not args.timing_only, args.days, args.history)
        return
    workdir = tempfile.mkdtemp(prefix="observe-bench-")
    path = Path(args.keep) if args.keep else Path(workdir) / "insights.sqlite"
    if path.exists() and not args.reuse:
        path.unlink()
    app = _open(f"sqlite:///{path}", workdir)
    info, seconds = rebuilt(app) if args.reuse else build(app, args.observations)
    if not args.reuse:
        print(f"generated {args.observations:,} observations, {info['answers']:,} answer rows "
              f"in {seconds['generate']:.1f} s ({path}, {path.stat().st_size / 1e6:.0f} MB); rollups built in "
              f"{seconds['rollups']:.1f} s, verified in {seconds['verify']:.1f} s ({info['differences']} differences)")
    rows = time_views(app, info, args.repeat or REPEAT)
    print(f"figures for the planned-visit template ({info.get('answers', 'existing')} answer rows in the file)")
    for title, index in (("wall-clock", 0), ("CPU time", 1)):
        print(f"\n{title:46} {'service':>9} {'HTTP page':>10} {'hand SQL':>9} {'service/SQL':>12} {'page/SQL':>9}")
        for label, service, page, sql in rows:
            print(f"{label:46} {service[index] * 1000:6.0f} ms {page[index] * 1000:7.0f} ms "
                  f"{sql[index] * 1000:6.0f} ms {service[index] / sql[index]:11.2f}x {page[index] / sql[index]:8.2f}x")
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)  # the generated file is ~230 MB
    print(f"\n(medians of {args.repeat or REPEAT} runs in turns after one warm-up; {_footer(app)})")


def logged_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": "bench password 1"})
    assert response.status_code == 302, response.status_code
    return client


if __name__ == "__main__":
    main()
