"""Swedish on the feedback pages: "Open" as a next step's state and "Open" as a link are
two words in Swedish (pgettext contexts), reminder dates follow the reader's language
(not ISO), and the time placeholder of a timed log reads "tt:mm"."""
from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date

from observe.extensions import db
from tests.conftest import login
from tests.feedback.conftest import (make_feedback, make_pair, make_peer_visit, make_planned,  # noqa: F401
                                     peer_version, planned_version, colleague)
from tests.dates import today as school_today

TODAY = school_today()


def swedish_client(i18n_app, user):
    user.locale = "sv"
    db.session.commit()
    client = i18n_app.test_client()
    assert login(client, user).status_code == 302
    return client


def section(html: str, css_class: str) -> str:
    match = re.search(rf'<ul class="[^"]*{css_class}[^"]*">(.*?)</ul>', html, re.S)
    assert match, f"no {css_class} list on the page"
    return match.group(1)


def test_a_next_steps_state_is_oppet_and_its_reminder_has_a_swedish_date(i18n_app, teacher, make_planned,
                                                                          make_feedback):
    due = TODAY + dt.timedelta(days=2)
    make_feedback(make_planned(status="completed"), shared=True, step_due=due)
    html = swedish_client(i18n_app, teacher).get("/feedback/").get_data(as_text=True)

    assert re.search(r'<span class="fl-badge fl-status-open">Öppet</span>', html)
    assert '<option value="open" selected>Öppet</option>' in html
    assert ">Öppna<" not in html  # the link's word is not the state's
    reminders = section(html, "fl-reminders")
    assert f"Ditt nästa steg ska vara klart {format_date(due, 'd MMM y', locale='sv')}: Pröva exit tickets" \
        in reminders
    assert due.isoformat() not in reminders
    assert "nov." in format_date(dt.date(2026, 11, 25), "d MMM y", locale="sv")  # a Swedish month, not a number


def test_unshared_feedback_reminder_shows_a_swedish_date_and_time(i18n_app, principal, make_planned):
    visit = make_planned(status="completed", at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=5))
    # 08:05 UTC: 09:05 (winter) or 10:05 (summer) in Stockholm, the same day
    visit.scheduled_at = visit.scheduled_at.replace(hour=8, minute=5, second=0, microsecond=0)
    db.session.commit()
    html = swedish_client(i18n_app, principal).get("/feedback/").get_data(as_text=True)
    reminders = section(html, "fl-reminders")
    day = format_date(visit.scheduled_at, "d MMM y", locale="sv")
    assert re.search(rf"Återkopplingen till Lars Lärare är inte delad än \(besök {re.escape(day)} (09|10):05\)",
                     reminders), reminders
    assert not re.search(r"\d{4}-\d\d-\d\d", reminders)


def test_the_peer_pages_link_reads_oppna(i18n_app, teacher, colleague, make_pair, make_peer_visit):
    group = make_pair(start=TODAY - dt.timedelta(days=30), end=TODAY + dt.timedelta(days=30))
    visit = make_peer_visit(group, observer=colleague, of=teacher)
    html = swedish_client(i18n_app, teacher).get("/feedback/peer/").get_data(as_text=True)
    assert re.search(rf'<a href="/feedback/visit/{visit.uuid}">Öppna</a>', html)
    assert ">Öppet<" not in html


def test_the_time_placeholder_of_a_timed_log_reads_tt_mm_in_swedish(i18n_app):
    from flask import render_template_string
    from flask_babel import force_locale

    from observe.templates_.services import default_documents

    [peer] = [document for document in default_documents()
              if any(item["type"] == "timed_log" for section in document["sections"] for item in section["items"])]
    page = '{% from "forms/_engine.html" import render_form %}{{ render_form(document, {}, {}) }}'
    with i18n_app.test_request_context("/"):
        with force_locale("sv"):
            swedish = render_template_string(page, document=peer)
        with force_locale("en"):
            english = render_template_string(page, document=peer)
    assert 'placeholder="tt:mm"' in swedish and "hh:mm" not in swedish
    assert 'placeholder="hh:mm"' in english
