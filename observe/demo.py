"""The demo: one organisation, two schools, a term of visits, so every screen has something real.

`load_demo()` is idempotent (it does nothing when the demo organisation exists) and
deterministic (a seeded random generator; dates count back from today). Records are
made directly with the models, the same shapes the app writes: answers as the form
engine parses them and ObservationAnswer rows from `answer_rows`, so insights and
visit pages read the demo exactly like real data.
"""
from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .auth.models import Membership, Role, User
from .auth.passwords import hash_password
from .extensions import db
from .feedback.models import Feedback, FeedbackStatus, NextStep, NextStepStatus
from .schools.models import GroupMembership, Organisation, School, TeacherGroup
from .templates_.items import answer_rows, levels_for
from .templates_.schemas import NOT_APPLICABLE, items_of
from .templates_.services import install_defaults, latest_version_for
from .visits.models import (Observation, ObservationAnswer, ObservationStatus, PeerGroup, Purpose, Visit,
                            VisitKind, VisitStatus)

ORGANISATION = "Demo kommun"
PASSWORD = "demo1234"
TERM_WEEKS = 14
ZONE = ZoneInfo("Europe/Stockholm")

SCHOOLS = (("Björkdalsskolan", "F–6"), ("Lindängsskolan", "7–9"))
# (e-mail, name, school index, year groups, subjects, skill 0..1 — how often good practice is seen)
TEACHERS = (
    ("larare1@demo.observe", "Anna Lindqvist", 0, ("F", "1"), ("Matematik", "Svenska"), 0.72),
    ("larare2@demo.observe", "Erik Johansson", 0, ("2", "3"), ("Matematik", "Svenska", "NO"), 0.55),
    ("larare3@demo.observe", "Fatima Al-Hassan", 0, ("1", "2"), ("Svenska", "SO", "Bild"), 0.66),
    ("larare4@demo.observe", "Johan Berg", 0, ("4", "5"), ("Matematik", "NO", "Teknik"), 0.48),
    ("larare5@demo.observe", "Sara Nilsson", 0, ("5", "6"), ("Svenska", "Engelska", "SO"), 0.78),
    ("larare6@demo.observe", "Mikael Holm", 0, ("4", "6"), ("Idrott och hälsa", "Musik"), 0.6),
    ("larare7@demo.observe", "Elin Sjöberg", 1, ("7", "8"), ("Svenska", "Engelska"), 0.7),
    ("larare8@demo.observe", "Ahmed Yilmaz", 1, ("8", "9"), ("Matematik", "NO"), 0.58),
)
GROUPS = (("Arbetslag F–3", 0, (0, 1, 2)), ("Arbetslag 4–6", 0, (3, 4, 5)))
PRINCIPALS = (("rektor@demo.observe", "Karin Ek", 0), ("rektor2@demo.observe", "Per Åkesson", 1))
ADMIN = ("admin@demo.observe", "Lena Strand")
# The municipality's head of schools (skolchef): an organisation leader with no school role, who sees
# Analys for every school and no individual visit.
ORG_LEADER = ("skolchef@demo.observe", "Maria Lund")


def demo_accounts() -> list[tuple[str, str, str, str]]:
    """Every account `flask demo` creates, for the login page of a demo: (e-mail, name, role, school)."""
    return ([(email, name, Role.PRINCIPAL.value, SCHOOLS[i][0]) for email, name, i in PRINCIPALS]
            + [(email, name, Role.TEACHER.value, SCHOOLS[i][0]) for email, name, i, *_ in TEACHERS]
            + [(ADMIN[0], ADMIN[1], Role.ADMIN.value, ", ".join(s[0] for s in SCHOOLS)),
               (ORG_LEADER[0], ORG_LEADER[1], "org_leader", ORGANISATION)])

QUOTES = (
    "Läraren: ”Hur vet du att svaret är rimligt?” – eleven visade med tiokamrater.",
    "Elev till bänkgranne: ”Först tar jag tiotalen, sen entalen.”",
    "Målet stod på tavlan: ”Jag kan jämföra två texter och säga vad som skiljer dem åt.”",
    "Läraren väntade cirka fem sekunder innan hon lät någon svara.",
    "Exit ticket: tre uppgifter på en lapp, eleverna lämnade vid dörren.",
    "Läraren gick runt och frågade: ”Vad är nästa steg för dig?”",
    "Eleverna använde mini-whiteboards, alla höll upp sina svar samtidigt.",
    "”Berätta för din bänkkamrat hur du tänkte” – livligt samtal i alla par.",
    "Läraren sammanfattade: ”Idag har vi lärt oss … vad tar ni med er?”",
    "Några elever väntade länge på hjälp med handen uppe.",
    "Genomgången tog 20 minuter; flera elever tittade ut genom fönstret.",
    "Läraren modellerade uppgiften högt: ”Jag tänker så här …”",
)
EVIDENCE = {
    "W1": ("Målet skrivet på tavlan och läst upp vid start.", "Inget mål synligt; eleverna började direkt i boken."),
    "W5": ("”Varför tror du det?” ”Finns det något annat sätt?”", "Mest frågor med ett rätt svar: ”Vad blir 7 · 8?”"),
    "W6": ("Alla höll upp whiteboards; läraren noterade vilka som behövde stöd.",
           "Läraren frågade ”Har alla förstått?” – ingen svarade."),
    "W7": ("Extrauppgift med utmaning låg framme; stödmaterial fanns på bänken.",
           "Tre elever väntade på hjälp i mer än fem minuter."),
    "W8": ("Lugnt tonläge, eleverna lyssnade på varandra.", "Högljutt vid övergången till grupparbetet."),
}
REFLECTIVE = (
    "Hur visste du att eleverna hade förstått innan de gick vidare?",
    "Vad skulle hända om eleverna fick förklara för varandra först?",
    "Vilka elever fick du syn på idag, och vilka inte?",
    "Hur kan målet bli synligt även i slutet av lektionen?",
)
NOTES = (
    "Startar med repetition av förra lektionen.",
    "Eleverna arbetar i par med konkret material.",
    "Läraren stannar vid grupp 3 och ställer följdfrågor.",
    "Övergång till enskilt arbete, ca 2 min.",
    "Två elever hjälper varandra utan att fråga läraren.",
    "Läraren samlar klassen och visar ett elevexempel.",
    "Tydlig instruktion i tre steg på tavlan.",
)
STRENGTHS = (
    ("Tydlig lektionsstart med synligt mål", "Målet stod på tavlan och du återkom till det efter genomgången."),
    ("Många elever kom till tals", "14 olika elever sa något under lektionen, flera i helklass."),
    ("Du tog reda på allas förståelse", "Alla höll upp sina whiteboards och du anpassade nästa exempel."),
    ("Lugnt och respektfullt klimat", "Du bemötte ett felsvar med ”Bra, hur tänkte du?”"),
    ("Eleverna samtalade om innehållet", "I paren förklarade eleverna strategier för varandra."),
)
DEVELOPMENT = (
    ("Mer väntetid efter frågor", "Pröva att vänta minst fem sekunder och låt eleverna prata i par först."),
    ("Avsluta med koppling till målet", "Avsluta med en exit ticket som knyter an till dagens mål."),
    ("Fler öppna frågor", "Planera två öppna frågor i förväg som kräver resonemang."),
    ("Kortare genomgång", "Dela genomgången i två delar med elevaktivitet emellan."),
)
REFLECTIONS = (
    "Jag håller med – väntetiden är något jag vill jobba med. Jag provar att räkna tyst till fem.",
    "Bra att höra att starten fungerade. Avslutningen blev stressad, det märkte jag själv.",
    "Jag tänkte inte på att samma elever svarade hela tiden. Ska prova glasspinnar.",
    "Tack! Jag vill gärna att du kommer tillbaka och tittar särskilt på grupparbetet.",
)
PEER_FOCUS = (
    "Jag vill veta vilka elever som kommer till tals under genomgången.",
    "Jag vill veta hur många öppna respektive slutna frågor jag ställer.",
    "Jag vill veta vad eleverna säger till varandra när de arbetar i par.",
)


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(dt.timezone.utc)


def _school_days(today: dt.date, weeks: int) -> list[dt.date]:
    """Weekdays of the last `weeks` weeks before today, skipping the autumn break (week 44)."""
    days = [today - dt.timedelta(days=n) for n in range(1, weeks * 7 + 1)]
    return sorted(d for d in days if d.weekday() < 5 and d.isocalendar().week != 44)


class _Builder:
    """Builds the demo with one seeded random generator, so two runs give the same data."""

    def __init__(self, today: dt.date):
        self.rng = random.Random(20261123)
        self.today = today
        self.days = _school_days(today, TERM_WEEKS)

    # --- answers -----------------------------------------------------------------------

    def _good(self, skill: float, progress: float) -> bool:
        """Good practice is seen more often with skill and a little more as the term goes on."""
        return self.rng.random() < min(0.95, skill + 0.15 * progress)

    def _value(self, item: dict, skill: float, progress: float):
        rng, kind = self.rng, item["type"]
        if kind == "yes_no":
            if rng.random() < 0.08:
                return "not_observed"
            return "yes" if self._good(skill, progress) else "no"
        if kind == "scale":
            if item.get("not_applicable") and rng.random() < 0.05:
                return NOT_APPLICABLE
            # worst to best by score, so F4 (1..4) and Ja/Delvis/Nej (2/1/0) are treated alike
            levels = sorted((lv for lv in levels_for(item) if lv["value"] != NOT_APPLICABLE),
                            key=lambda lv: lv.get("score") or 0)
            centre = min(1.0, skill + 0.1 * progress) * (len(levels) - 1)
            index = max(0, min(len(levels) - 1, round(rng.gauss(centre, 0.8))))
            return levels[index]["value"]
        if kind == "choice":
            return rng.choice(item["options"])["value"]
        if kind == "checklist":
            options = [o["value"] for o in item["options"]]
            return [v for v in options if v in rng.sample(options, rng.choice((1, 1, 2)))]
        if kind == "counter":
            return rng.randint(0, 6) if "lost" in item["label"].get("en", "").lower() else rng.randint(4, 18)
        if kind == "x_of_y":
            total = rng.randint(18, 27)
            return {"x": max(0, total - max(0, round(rng.gauss((1 - skill) * 8, 2)))), "y": total}
        return None

    def answers(self, document: dict, skill: float, progress: float, texts: dict | None = None) -> dict:
        """Answers for every item the demo fills, in the shapes `parse_answers` produces."""
        answers: dict = {}
        for item in items_of(document):
            key = item["key"]
            if item["type"] in ("text", "timed_log", "interval"):
                value = (texts or {}).get(key)
            else:
                value = self._value(item, skill, progress)
            if value in (None, "", []):
                continue
            answer = {"value": value}
            if key in EVIDENCE and value in ("yes", "no") and self.rng.random() < 0.45:
                answer["evidence"] = EVIDENCE[key][0 if value == "yes" else 1]
            answers[key] = answer
        return answers

    # --- records ------------------------------------------------------------------------

    def observation(self, visit: Visit, version, author: User, answers: dict, notes: list, *,
                    complete: bool = True) -> Observation:
        observation = Observation(school_id=visit.school_id, visit=visit, author_id=author.id,
                                  template_version_id=version.id, answers=answers, notes=notes,
                                  status=ObservationStatus.COMPLETE if complete else ObservationStatus.DRAFT,
                                  revision=1, client_schema_version=1, created_at=visit.started_at,
                                  updated_at=visit.ended_at or visit.started_at,
                                  completed_at=visit.ended_at if complete else None)
        db.session.add(observation)
        db.session.flush()
        if complete:
            observed_on = visit.started_at.astimezone(ZONE).date()
            for row in answer_rows(version.document, answers):
                db.session.add(ObservationAnswer(observation_id=observation.id, school_id=visit.school_id,
                                                 visit_kind=visit.kind, observed_on=observed_on,
                                                 teacher_id=visit.teacher_id, **row))
        return observation

    def notes(self, start: dt.datetime, count: int) -> list[dict]:
        picked = self.rng.sample(NOTES, count)
        return [{"at": (start + dt.timedelta(minutes=2 + 2 * i)).isoformat(timespec="seconds"), "text": text}
                for i, text in enumerate(picked)]


def _user(email: str, name: str, org: Organisation, password_hash: str, roles: list[tuple[School, Role]]) -> User:
    user = User(organisation_id=org.id, email=email, name=name, password_hash=password_hash)
    for school, role in roles:
        user.memberships.append(Membership(school_id=school.id, role=str(role)))
    db.session.add(user)
    return user


def load_demo(today: dt.date | None = None) -> bool:
    """Create the demo organisation with its people and a term of visits; False when it exists."""
    if db.session.scalar(select(Organisation.id).where(Organisation.name == ORGANISATION)) is not None:
        return False
    if db.session.scalar(select(User.id).where(User.email == ADMIN[0])) is not None:
        return False
    today = today or dt.datetime.now(ZONE).date()
    build = _Builder(today)
    password_hash = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once, reuse

    org = Organisation(name=ORGANISATION)
    db.session.add(org)
    db.session.flush()
    schools = []
    for name, _grades in SCHOOLS:
        school = School(name=name, organisation_id=org.id)
        db.session.add(school)
        db.session.flush()
        install_defaults(school)
        schools.append(school)

    _user(ADMIN[0], ADMIN[1], org, password_hash, [(s, Role.ADMIN) for s in schools])
    _user(ORG_LEADER[0], ORG_LEADER[1], org, password_hash, []).is_org_leader = True
    principals = [_user(email, name, org, password_hash, [(schools[i], Role.PRINCIPAL)])
                  for email, name, i in PRINCIPALS]
    teachers = [_user(email, name, org, password_hash, [(schools[i], Role.TEACHER)])
                for email, name, i, *_rest in TEACHERS]
    db.session.flush()
    for name, i, members in GROUPS:
        db.session.add(TeacherGroup(school_id=schools[i].id, name=name, members=[teachers[m] for m in members],
                                    memberships=[GroupMembership(user_id=teachers[m].id) for m in members]))

    versions = {(s.id, kind): latest_version_for(s, kind) for s in schools for kind in ("spontaneous", "planned", "peer")}
    _walkthroughs(build, schools, principals, teachers, versions)
    _planned_visits(build, schools[0], principals[0], teachers, versions)
    _peer_visits(build, schools[0], teachers, versions)
    db.session.commit()
    return True


def _teacher_profile(index: int):
    email, name, school, years, subjects, skill = TEACHERS[index]
    return school, years, subjects, skill


def _walkthroughs(build: _Builder, schools, principals, teachers, versions) -> None:
    """Two to three walkthroughs a week per principal; some anonymous, a few with a question."""
    rng = build.rng
    for p_index, principal in enumerate(principals):
        school = schools[p_index]
        version = versions[(school.id, "spontaneous")]
        staff = [i for i in range(len(TEACHERS)) if TEACHERS[i][2] == p_index]
        per_week = 3 if p_index == 0 else 2
        for n, day in enumerate(build.days):
            if rng.random() > per_week / 5:
                continue
            progress = n / len(build.days)
            anonymous = rng.random() < 0.15
            t_index = rng.choice(staff)
            _s, years, subjects, skill = _teacher_profile(t_index)
            start = _local(day, rng.choice((8, 9, 10, 13, 14)), rng.choice((5, 15, 25, 40)))
            visit = Visit(school_id=school.id, kind=VisitKind.SPONTANEOUS, status=VisitStatus.COMPLETED,
                          purpose=Purpose.MAPPING if anonymous else Purpose.DEVELOPMENT,
                          observer_id=principal.id, teacher_id=None if anonymous else teachers[t_index].id,
                          subject=rng.choice(subjects), year_group=rng.choice(years),
                          template_version_id=version.id, started_at=start,
                          ended_at=start + dt.timedelta(minutes=rng.randint(5, 12)),
                          reflective_question=None if anonymous or rng.random() < 0.7 else rng.choice(REFLECTIVE),
                          created_by_id=principal.id, created_at=start, updated_at=start)
            db.session.add(visit)
            texts = {"W9": rng.choice(QUOTES)} if rng.random() < 0.8 else {}
            answers = build.answers(version.document, skill, progress, texts)
            answers["phase"] = {"value": rng.choice(("start", "middle", "middle", "end"))}
            build.observation(visit, version, principal, answers, build.notes(start, rng.randint(0, 3)))
            if not anonymous and visit.reflective_question:
                _feedback(build, visit, principal, steps=False)


def _feedback(build: _Builder, visit: Visit, author: User, *, steps: bool, acknowledged: bool | None = None,
              step_done: bool | None = None) -> Feedback:
    rng = build.rng
    shared_at = visit.ended_at + dt.timedelta(days=rng.choice((0, 1, 1, 2)), hours=3)
    recent = shared_at.date() > build.today - dt.timedelta(days=6)
    if acknowledged is None:
        acknowledged = not recent and rng.random() < 0.8
    strength = rng.choice(STRENGTHS)
    area = rng.choice(DEVELOPMENT)
    feedback = Feedback(
        school_id=visit.school_id, visit=visit, author_id=author.id, status=FeedbackStatus.SHARED,
        summary=f"{strength[0]}. {area[0]} är ett bra nästa fokus.",
        strengths=[{"text": strength[0], "evidence": strength[1]}],
        development_area=area[0], shared_at=shared_at,
        teacher_reflection=rng.choice(REFLECTIONS) if acknowledged else None,
        acknowledged_at=shared_at + dt.timedelta(days=1) if acknowledged else None,
        created_at=visit.ended_at, updated_at=shared_at)
    db.session.add(feedback)
    db.session.flush()
    if steps:
        due = shared_at.date() + dt.timedelta(weeks=rng.choice((2, 3, 4)))
        done = step_done if step_done is not None else (due < build.today and rng.random() < 0.7)
        db.session.add(NextStep(
            school_id=visit.school_id, feedback_id=feedback.id, visit_id=visit.id, teacher_id=visit.teacher_id,
            text=area[1], due_on=due, status=NextStepStatus.DONE if done else NextStepStatus.OPEN,
            done_at=_local(due - dt.timedelta(days=2), 15, 0) if done else None, created_by_id=author.id,
            created_at=shared_at, updated_at=shared_at))
    return feedback


def _planned_visits(build: _Builder, school, principal, teachers, versions) -> None:
    """Planned visits with pre-conference, observation, shared feedback and a next step each."""
    rng = build.rng
    version = versions[(school.id, "planned")]
    staff = [i for i in range(len(TEACHERS)) if TEACHERS[i][2] == 0]
    for n, t_index in enumerate(staff + staff[:2]):
        _s, years, subjects, skill = _teacher_profile(t_index)
        day = build.days[min(len(build.days) - 4, 15 + n * 6)]
        start = _local(day, rng.choice((8, 10, 13)), 0)
        subject = subjects[0]
        focus = rng.choice((["D1", "D2"], ["C1", "F4"], ["F1"], ["D3", "D5"]))
        visit = Visit(school_id=school.id, kind=VisitKind.PLANNED, status=VisitStatus.COMPLETED,
                      observer_id=principal.id, teacher_id=teachers[t_index].id, subject=subject,
                      year_group=years[0], template_version_id=version.id,
                      scheduled_at=start, planned_minutes=40, started_at=start,
                      ended_at=start + dt.timedelta(minutes=40), focus_item_keys=focus,
                      focus_text="Frågor som får eleverna att resonera", created_by_id=principal.id,
                      preconference=_preconference(subject, start),
                      created_at=start - dt.timedelta(days=7), updated_at=start)
        db.session.add(visit)
        texts = {"A1": f"Eleverna ska kunna förklara sin strategi i {subject.lower()}.",
                 "A2": "Genomgång, arbete i par med en problemuppgift, gemensam avslutning.",
                 "A3": "Mina frågor: hur många elever får resonera?",
                 "A4": "Tidslogg med citat och räkning av vilka elever som talar.",
                 "A5": "Torsdag 15.00 i arbetsrummet.",
                 "H1": rng.choice(STRENGTHS)[0], "H2": rng.choice(REFLECTIVE),
                 "H3": rng.choice(DEVELOPMENT)[1]}
        answers = build.answers(version.document, skill, n / 10, texts)
        build.observation(visit, version, principal, answers, build.notes(start, rng.randint(2, 4)))
        # The second visit to a teacher is recent: its feedback waits to be read, its step is open.
        second = n >= len(staff)
        _feedback(build, visit, principal, steps=True, acknowledged=False if second else None,
                  step_done=False if second else None)
    # What is coming: one visit later today and one next week, so "Planned for today" has something.
    for offset, t_index in ((0, 1), (7, 3)):
        day = build.today + dt.timedelta(days=offset)
        _s, years, subjects, _skill = _teacher_profile(t_index)
        when = _local(day, 13, 15)
        db.session.add(Visit(school_id=school.id, kind=VisitKind.PLANNED, status=VisitStatus.PLANNED,
                             observer_id=principal.id, teacher_id=teachers[t_index].id, subject=subjects[0],
                             year_group=years[0], template_version_id=version.id, scheduled_at=when,
                             planned_minutes=40, focus_item_keys=["D1", "D3"],
                             focus_text="Följdfrågor som utvecklar resonemang", created_by_id=principal.id,
                             preconference=_preconference(subjects[0], when)))


def _preconference(subject: str, start: dt.datetime) -> dict:
    return {"lesson_goal": f"Eleverna kan förklara och jämföra strategier i {subject.lower()}.",
            "student_activity": "Arbete i par med en rik uppgift, sedan helklassdiskussion.",
            "data_method": "Tidslogg med citat; räkna öppna och slutna frågor.",
            "feedback_meeting_at": (start + dt.timedelta(days=1)).isoformat(timespec="minutes")}


def _peer_visits(build: _Builder, school, teachers, versions) -> None:
    """Two pairs who observe each other on a focus the observed teacher chose."""
    rng = build.rng
    version = versions[(school.id, "peer")]
    start_day, end_day = build.days[0], build.today + dt.timedelta(weeks=6)
    for a, b in ((0, 1), (3, 4)):
        group = PeerGroup(school_id=school.id, period_start=start_day, period_end=end_day,
                          members=[teachers[a], teachers[b]], proposed_by_id=teachers[a].id)
        db.session.add(group)
        db.session.flush()
        for round_no, (observer, observed) in enumerate(((a, b), (b, a))):
            day = build.days[30 + 15 * round_no + a]
            start = _local(day, 9, 10)
            focus = PEER_FOCUS[(a + round_no) % len(PEER_FOCUS)]
            visit = Visit(school_id=school.id, kind=VisitKind.PEER, status=VisitStatus.COMPLETED,
                          purpose=Purpose.PEER_LEARNING, observer_id=teachers[observer].id,
                          teacher_id=teachers[observed].id, subject=TEACHERS[observed][4][0],
                          year_group=TEACHERS[observed][3][0], template_version_id=version.id,
                          scheduled_at=start, started_at=start, ended_at=start + dt.timedelta(minutes=30),
                          focus_text=focus, peer_group_id=group.id, summary_to_principal=round_no == 0,
                          created_by_id=teachers[observed].id, created_at=start - dt.timedelta(days=5),
                          updated_at=start)
            db.session.add(visit)
            log = [{"time": f"09:{12 + 4 * i:02d}", "teacher": t, "students": s} for i, (t, s) in enumerate((
                ("Frågar: ”Vad vet vi redan om bråk?”", "Tre elever svarar, samma som förra gången."),
                ("Låter eleverna prata i par i en minut.", "Alla par pratar; högre ljudnivå."),
                ("Frågar: ”Hur tänkte ni?” – väntar.", "Fem nya elever räcker upp handen."),
            ))]
            texts = {"P1": focus, "P3": log,
                     "P5": "Efter parsamtalen kom fler elever till tals än under genomgången.",
                     "P6": "Jag undrar om fler skulle svara om frågan skrevs på tavlan?",
                     "P7": "Att låta eleverna prata i par innan helklass – det tar jag med mig.",
                     "P8": "Prova ”tänk–para–dela” vid varje genomgång i två veckor."}
            answers = build.answers(version.document, 0.6, 0.5, texts)
            answers["P2"] = {"value": ["timed_log", "participation"]}
            build.observation(visit, version, teachers[observer], answers, [])
