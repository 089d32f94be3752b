"""Benchmark: the insights dashboard at real scale (50,000 observations, ~1,000,000 answer rows).

Generates an organisation of ten schools in a fresh SQLite file (bulk inserts of rows
made by the real form engine, observe.templates_.items.answer_rows), then times
  1. the service call that computes the dashboard's numbers,
  2. the HTTP page through the Flask test client (login, filters, SVG, tables),
  3. the best hand-written SQL we could write for the same numbers, on the raw connection,
and prints the medians and the ratio service / SQL. Run:

    .venv/bin/python bench/insights.py [--observations 50000] [--keep /tmp/insights-bench.sqlite]
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


def generate(n_observations: int, seed: int = 7) -> dict:
    """Fill the database; returns the ids the timings need."""
    from observe.auth.models import Membership, Role, User
    from observe.schools.models import Organisation, School
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
    for s in range(SCHOOLS):
        school = School(name=f"Skola {s + 1:02d}", organisation_id=org.id)
        db.session.add(school)
        db.session.flush()
        for template in install_defaults(school):
            versions[(school.id, template.key)] = template.latest
        principal = User(organisation_id=org.id, email=f"rektor{s}@bench.se", name=f"Rektor {s}",
                         password_hash=PASSWORD_HASH)
        principal.memberships.append(Membership(school_id=school.id, role=str(Role.PRINCIPAL)))
        principal.memberships.append(Membership(school_id=school.id, role=str(Role.TEACHER)))
        db.session.add(principal)
        principals.append(principal)
        staff = []
        for t in range(TEACHERS_PER_SCHOOL):
            teacher = User(organisation_id=org.id, email=f"t{s}-{t}@bench.se", name=f"Lärare {s}-{t}")
            teacher.memberships.append(Membership(school_id=school.id, role=str(Role.TEACHER)))
            db.session.add(teacher)
            staff.append(teacher)
        db.session.flush()
        teachers[school.id] = [t.id for t in staff]
        schools.append(school)
    db.session.commit()

    today = dt.date.today()
    subjects = ["Matematik", "Svenska", "Engelska", "NO", "SO", "Idrott"]
    visits, observations, answers = [], [], []
    now = dt.datetime.now(dt.timezone.utc)
    for n in range(n_observations):
        school = schools[n % SCHOOLS]
        planned = rng.random() < 0.65
        key = "planned" if planned else "walkthrough"
        version = versions[(school.id, key)]
        day = today - dt.timedelta(days=rng.randrange(DAYS))
        anonymous = not planned and rng.random() < 0.2
        teacher_id = None if anonymous else rng.choice(teachers[school.id])
        started = dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.timezone.utc)
        visit_id = n + 1
        visits.append({"id": visit_id, "uuid": uuid.uuid4(), "school_id": school.id,
                       "kind": "planned" if planned else "spontaneous", "status": "completed",
                       "purpose": "development", "observer_id": principals[n % SCHOOLS].id, "teacher_id": teacher_id,
                       "subject": rng.choice(subjects), "year_group": str(rng.randint(1, 9)),
                       "template_version_id": version.id, "started_at": started, "ended_at": started,
                       "focus_item_keys": [], "preconference": {}, "summary_to_principal": False,
                       "revision": 1, "created_at": now, "updated_at": now})
        values = _answers(version.document, rng)
        observations.append({"id": visit_id, "uuid": uuid.uuid4(), "school_id": school.id, "visit_id": visit_id,
                             "author_id": principals[n % SCHOOLS].id, "template_version_id": version.id,
                             "answers": values, "notes": [], "status": "complete", "revision": 1,
                             "created_at": now, "updated_at": now, "completed_at": now})
        for row in answer_rows(version.document, values):
            answers.append({**row, "observation_id": visit_id, "school_id": school.id,
                            "visit_kind": visits[-1]["kind"], "observed_on": day, "teacher_id": teacher_id})
    for model, rows in ((Visit, visits), (Observation, observations), (ObservationAnswer, answers)):
        for start in range(0, len(rows), 20000):
            db.session.execute(model.__table__.insert(), rows[start:start + 20000])
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return {"school_ids": tuple(s.id for s in schools), "answers": len(answers),
            "principal_email": principals[0].email, "leader_email": leader.email,
            "organisation": org}


def existing() -> dict:
    from observe.schools.models import Organisation, School

    org = db.session.execute(db.select(Organisation)).scalar_one()
    ids = tuple(db.session.execute(db.select(School.id).order_by(School.id)).scalars())
    return {"school_ids": ids, "principal_email": "rektor0@bench.se", "leader_email": "leader@bench.se",
            "organisation": org}


HAND_SQL = {
    # The same three result sets the service computes, written directly against the table.
    "sums": """
        SELECT a.item_key, a.item_type, substr(a.observed_on, 1, 7) AS month, a.choice, count(*), count(a.number),
               sum(a.number), sum(a.number * a.number), min(a.number), max(a.number)
        FROM observation_answers a
        WHERE a.school_id IN ({schools}) AND a.template_key = ? AND a.observed_on BETWEEN ? AND ?
          AND (a.visit_kind != 'peer' OR (a.item_type IN ('counter', 'timed_log') AND EXISTS (
               SELECT 1 FROM observations o JOIN visits v ON v.id = o.visit_id
               WHERE o.id = a.observation_id AND v.summary_to_principal)))
        GROUP BY a.item_key, a.item_type, month, a.choice""",
    "people": """
        WITH per_teacher AS (
          SELECT a.item_key, substr(a.observed_on, 1, 7) AS month, a.teacher_id, count(DISTINCT a.observation_id) AS n
          FROM observation_answers a
          WHERE a.school_id IN ({schools}) AND a.template_key = ? AND a.observed_on BETWEEN ? AND ?
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
        WHERE a.school_id IN ({schools}) AND a.template_key = ? AND a.observed_on BETWEEN ? AND ?
          AND (a.visit_kind != 'peer' OR (a.item_type IN ('counter', 'timed_log') AND EXISTS (
               SELECT 1 FROM observations o JOIN visits v ON v.id = o.visit_id
               WHERE o.id = a.observation_id AND v.summary_to_principal)))""",
}


def hand_sql(school_ids, template_key, start, end):
    raw = db.session.connection().connection.driver_connection
    schools = ",".join(str(int(i)) for i in school_ids)
    out = {}
    for name, sql in HAND_SQL.items():
        out[name] = raw.execute(sql.format(schools=schools), (template_key, start.isoformat(), end.isoformat())).fetchall()
    return out


def _timed(fn) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def interleaved(app, client, service_fn, sql_fn, url, repeat=REPEAT) -> dict[str, tuple[float, float]]:
    """Median wall-clock and CPU seconds of the service, the page and the hand SQL, timed in turns
    (service, page, SQL, service, ...) after one warm-up each, so a busy spell on this shared
    machine slows all three alike instead of whichever happened to be timed then."""
    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def in_context(fn):
        def run():
            with app.app_context(), app.test_request_context():
                return _timed(fn)
        return run

    runs = {"service": in_context(service_fn), "page": lambda: _timed(page), "sql": in_context(sql_fn)}
    for run in runs.values():
        run()  # warm the page cache and the statement cache
    samples: dict[str, list] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            samples[name].append(run())
    return {name: (statistics.median(w for w, _c in values), statistics.median(c for _w, c in values))
            for name, values in samples.items()}


def main() -> None:
    global PASSWORD_HASH
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=50000)
    parser.add_argument("--keep", help="write the database here and keep it (default: a temporary file, removed)")
    parser.add_argument("--reuse", action="store_true", help="time an existing --keep database again")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="observe-bench-")
    path = Path(args.keep) if args.keep else Path(workdir) / "insights.sqlite"
    if path.exists() and not args.reuse:
        path.unlink()
    app = create_app({"OBSERVE_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "SERVER_NAME": None, "OBSERVE_DEMO": False, "WTF_CSRF_ENABLED": False},
                     instance_path=workdir)
    from observe.auth.passwords import hash_password
    from observe.insights import services

    PASSWORD_HASH = hash_password("bench password 1")
    with app.app_context(), app.test_request_context():
        if args.reuse:
            for table in db.metadata.sorted_tables:  # indexes added to the models since the file was made
                for index in table.indexes:
                    index.create(db.engine, checkfirst=True)
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
            info = existing()
        else:
            db.create_all()
            t0 = time.perf_counter()
            info = generate(args.observations)
            print(f"generated {args.observations:,} observations, {info['answers']:,} answer rows "
                  f"in {time.perf_counter() - t0:.1f} s ({path}, {path.stat().st_size / 1e6:.0f} MB)")
        threshold = services.Threshold.for_organisation(info["organisation"])
        start, end = services.term_range(services.term_of(dt.date.today()))
        cases = [
            ("principal, current term (default view)", info["school_ids"][:1], start, end,
             "/insights/?template=planned", info["principal_email"]),
            ("org leader, current term (default view)", info["school_ids"], start, end,
             "/insights/?template=planned", info["leader_email"]),
            ("org leader, all two years", info["school_ids"], dt.date.today() - dt.timedelta(days=DAYS),
             dt.date.today(),
             f"/insights/?template=planned&period=custom&start={dt.date.today() - dt.timedelta(days=DAYS)}&end={dt.date.today()}",
             info["leader_email"]),
        ]
    rows = []
    clients = {}
    for label, school_ids, a, b, url, email in cases:
        if email not in clients:
            clients[email] = logged_in(app, email)
        filters = services.Filters(school_ids=tuple(school_ids), start=a, end=b, template_key="planned")
        times = interleaved(app, clients[email], lambda: services.dashboard(filters, threshold),
                            lambda: hand_sql(school_ids, "planned", a, b), url)
        rows.append((label, times["service"], times["page"], times["sql"]))
    print(f"figures for the planned-visit template ({info.get('answers', 'existing')} answer rows in the file)")
    for title, index in (("wall-clock", 0), ("CPU time", 1)):
        print(f"\n{title:44} {'service':>9} {'HTTP page':>10} {'hand SQL':>9} {'service/SQL':>12} {'page/SQL':>9}")
        for label, service, page, sql in rows:
            print(f"{label:44} {service[index] * 1000:6.0f} ms {page[index] * 1000:7.0f} ms "
                  f"{sql[index] * 1000:6.0f} ms {service[index] / sql[index]:11.2f}x {page[index] / sql[index]:8.2f}x")
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)  # the generated file is ~230 MB
    print(f"\n(medians of {REPEAT} runs in turns after one warm-up; SQLite {sqlite3.sqlite_version}; "
          f"Python {sys.version.split()[0]}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")


def logged_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": "bench password 1"})
    assert response.status_code == 302, response.status_code
    return client


if __name__ == "__main__":
    main()
