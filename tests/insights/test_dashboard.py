"""The dashboard page: privacy threshold, CSV = page, permissions, evidence search, audit."""
from __future__ import annotations

import csv
import datetime as dt
import html
import io

import pytest

from observe.audit.models import AuditEvent
from observe.auth.models import Role, User
from observe.extensions import db
from tests.insights.conftest import make_template, record_observation, simple
from tests.dates import today as school_today

DAY = school_today()
HIDDEN = "too few observations to show"


@pytest.fixture
def en(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def fill(version, teachers, count, **answers):
    for n in range(count):
        record_observation(version, teachers[n % len(teachers)], DAY, simple(**answers))


def page(client, query=""):
    response = client.get(f"/insights/?template=walk{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def item_block(text, key):
    start = text.index(f'id="item-{key}"')
    return text[start:text.index("</article>", start)]


@pytest.mark.parametrize("observations, teachers, shown", [
    (4, 3, False),  # one observation short
    (5, 3, True),  # exactly at the threshold
    (5, 2, False),  # one teacher short
    (6, 2, False),
])
def test_threshold_at_exactly_five_observations_and_three_teachers(
        en, login_as, principal, template, make_user, observations, teachers, shown):
    staff = [make_user() for _ in range(teachers)]
    fill(template, staff, observations, scale="3")
    login_as(principal)
    block = item_block(page(en), "S1")
    assert (HIDDEN in block.lower()) is not shown
    assert ("<svg" in block) is shown
    assert f"{observations} observations" in block


def test_threshold_is_configurable_but_never_below_three_and_two(en, login_as, principal, template, make_user,
                                                                  school):
    school.organisation.settings = {**school.organisation.settings, "min_cell_observations": 1,
                                    "min_cell_teachers": 1}
    db.session.commit()
    staff = [make_user() for _ in range(2)]
    fill(template, staff, 2)
    login_as(principal)
    assert HIDDEN in item_block(page(en), "S1").lower()  # 2 observations < floor of 3
    fill(template, [staff[0]], 1)
    assert "<svg" in item_block(page(en), "S1")  # 3 observations, 2 teachers: the floors


def test_anonymous_walkthroughs_count_as_observations_only(en, login_as, principal, template, make_user):
    fill(template, [None], 5)
    login_as(principal)
    assert "<svg" in item_block(page(en), "S1")  # nobody named, so nobody identifiable
    fill(template, [make_user()], 1)
    assert HIDDEN in item_block(page(en), "S1").lower()  # now it would rest on one named teacher


def test_hidden_month_in_heatmap(en, login_as, principal, template, make_user):
    staff = [make_user() for _ in range(3)]
    fill(template, staff, 5)
    record_observation(template, staff[0], DAY.replace(day=1) - dt.timedelta(days=40), simple())
    login_as(principal)
    text = page(en, "&period=custom&start=" + str(DAY - dt.timedelta(days=100)) + "&end=" + str(DAY))
    heat = text[text.index('id="heat-h"'):text.index("</section>", text.index('id="heat-h"'))]
    assert HIDDEN in heat.lower()  # the month with one observation
    assert "3.0" in heat  # the month with five


def test_csv_export_matches_the_page(en, login_as, principal, template, make_user):
    staff = [make_user() for _ in range(3)]
    fill(template, staff, 3, scale="2", counter=3, checklist=("a", "b"))
    fill(template, staff, 3, scale="4", yes="no", counter=7, x=(3, 4))
    login_as(principal)
    text = html.unescape(page(en))
    response = en.get("/insights/export.csv?template=walk")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {row["item_key"] for row in rows} >= {"S1", "Y1", "C1", "X1", "K1"}
    checked = 0
    for row in rows:
        block = item_block(text, row["item_key"]) if row["section"] != "month" else text
        if row["section"] == "distribution":
            assert f'<th scope="row">{row["category"]}</th><td>' in block
            cell = block.split(f'<th scope="row">{row["category"]}</th>', 1)[1]
            assert cell.split("</tr>", 1)[0].endswith(f"<td>{row['value']}</td>"), row
        else:
            assert f"<td>{row['value']}</td>" in block or f"<strong>{row['value']}</strong>" in block, row
        checked += 1
    assert checked >= 20
    values = {(r["item_key"], r["category"]): r["value"] for r in rows}
    assert values[("S1", "Level 2")] == "50\u00a0%" and values[("S1", "Mean")] == "3.0"
    assert values[("C1", "Mean")] == "5.0" and values[("Y1", "Mean")] == "50\u00a0%"


def test_csv_says_when_an_item_is_hidden(en, login_as, principal, template, make_user):
    fill(template, [make_user(), make_user()], 5)
    login_as(principal)
    rows = list(csv.reader(io.StringIO(en.get("/insights/export.csv?template=walk").get_data(as_text=True))))
    s1 = [row for row in rows if row[1] == "S1"]
    assert s1 == [["item", "S1", "Purpose visible", "", "5", HIDDEN],
                  ["month", "S1", "Purpose visible", DAY.strftime("%Y-%m"), "", HIDDEN]]


def test_teacher_is_refused(client, login_as, teacher):
    login_as(teacher)
    assert client.get("/insights/").status_code == 403
    assert client.get("/insights/export.csv").status_code == 403


def test_logged_out_goes_to_login(client):
    response = client.get("/insights/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_other_schools_data_is_never_included(en, login_as, principal, template, make_user, make_school, school):
    staff = [make_user() for _ in range(3)]
    fill(template, staff, 5, scale="1")
    neighbour = make_school("Grannskolan", organisation=school.organisation)
    other_version = make_template(neighbour)
    other_staff = [make_user(school=neighbour) for _ in range(3)]
    fill(other_version, other_staff, 7, scale="4")
    login_as(principal)
    text = page(en)
    assert "5 completed observations" in text and "Grannskolan" not in text
    assert "1.0" in item_block(text, "S1")
    assert en.get(f"/insights/?school={neighbour.id}").status_code == 404


def test_org_leader_sees_all_schools_deidentified(en, login_as, template, make_user, make_school, school):
    staff = [make_user(name="Namn Namnsson") for _ in range(3)]
    fill(template, staff, 5, scale="1", evidence="Eleverna diskuterade")
    neighbour = make_school("Grannskolan", organisation=school.organisation)
    fill(make_template(neighbour), [make_user(school=neighbour) for _ in range(3)], 5, scale="4")
    leader = User(organisation_id=school.organisation_id, email="chef@example.se", name="Chef",
                  password_hash=staff[0].password_hash, is_org_leader=True)
    db.session.add(leader)
    db.session.commit()
    login_as(leader)
    text = page(en, "&q=diskuterade")
    assert "All schools in the organisation" in text and "10 completed observations" in text
    assert "2.5" in item_block(text, "S1")
    assert "Namn Namnsson" not in text and "Eleverna diskuterade" not in text  # aggregates only
    assert "5 completed observations" in page(en, f"&school={neighbour.id}")
    stranger = make_school("Annan kommuns skola")
    assert en.get(f"/insights/?school={stranger.id}").status_code == 404


def test_no_teacher_names_in_aggregates(en, login_as, principal, template, make_user):
    staff = [make_user(name=f"Lärare Unik{n}") for n in range(3)]
    fill(template, staff, 6)
    login_as(principal)
    assert "Unik" not in page(en)


def test_evidence_search_names_only_visits_the_viewer_may_see(en, login_as, principal, template, make_user):
    staff = [make_user(name=f"Lärare {n}") for n in range(3)]
    observer = make_user(Role.PRINCIPAL, name="Annan Rektor")
    record_observation(template, staff[0], DAY, simple(evidence="Eleven förklarade bråk på tallinjen"),
                       kind="planned", observer=observer)
    record_observation(template, staff[1], DAY, simple(evidence="Tallinjen användes igen"), kind="spontaneous",
                       observer=observer)
    record_observation(template, staff[2], DAY, simple(evidence="Tallinjen i paret"), kind="peer",
                       observer=staff[0], summary_to_principal=True)
    login_as(principal)
    text = page(en, "&q=tallinjen")
    hits = text[text.index('id="search-h"'):]
    assert "Eleven förklarade bråk på tallinjen" in hits and "Tallinjen användes igen" in hits
    assert "Tallinjen i paret" not in hits  # peer notes belong to the pair
    assert "Lärare 0" in hits  # a principal may see the school's planned visits
    event = db.session.execute(db.select(AuditEvent).filter_by(action="insights.evidence")).scalar_one()
    assert event.user_id == principal.id and event.detail["hits"] == 2


def test_every_view_and_export_is_audited(en, login_as, principal, template):
    login_as(principal)
    page(en)
    en.get("/insights/export.csv?template=walk")
    actions = db.session.execute(db.select(AuditEvent.action).filter(AuditEvent.action.like("insights.%"))
                                 ).scalars().all()
    assert sorted(actions) == ["insights.export", "insights.view"]


def test_peer_observations_reach_leadership_as_counts_only_when_shared(en, login_as, principal, make_user, school):
    from observe.templates_.services import install_defaults

    install_defaults(school)
    db.session.commit()
    from observe.templates_.models import Template

    peer = db.session.execute(db.select(Template).filter_by(school_id=school.id, key="peer")).scalar_one().latest
    staff = [make_user() for _ in range(3)]
    for n in range(5):
        record_observation(peer, staff[n % 3], DAY, {"P4_open": {"value": 4}, "P2": {"value": ["participation"]}},
                           kind="peer", summary_to_principal=n < 4)
    login_as(principal)
    text = en.get("/insights/?template=peer").get_data(as_text=True)
    assert 'id="item-P2"' not in text  # the focus data method is the pair's
    assert HIDDEN in item_block(text, "P4_open").lower()  # only 4 of 5 were shared
    record_observation(peer, staff[0], DAY, {"P4_open": {"value": 6}}, kind="peer", summary_to_principal=True)
    text = en.get("/insights/?template=peer").get_data(as_text=True)
    assert "<svg" in item_block(text, "P4_open") and "5 observations" in item_block(text, "P4_open")


def test_nav_link_for_principals_only(client, login_as, principal, teacher):
    login_as(teacher)
    assert 'href="/insights/"' not in client.get("/").get_data(as_text=True)
    client.post("/logout", data={})
    other = client.application.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    from tests.conftest import login

    login(other, principal)
    assert 'href="/insights/"' in other.get("/").get_data(as_text=True)


def test_two_groups_side_by_side_on_page_and_in_csv(en, login_as, principal, template, make_user):
    staff = [make_user() for _ in range(3)]
    for n in range(5):
        record_observation(template, staff[n % 3], DAY, simple(scale="2"), subject="Matematik")
        record_observation(template, staff[n % 3], DAY, simple(scale="4"), subject="Svenska")
    login_as(principal)
    query = "&subject=Matematik&compare=group&compare_subject=Svenska"
    text = page(en, query)
    section = text[text.index('id="cmp-h"'):text.index("</section>", text.index('id="cmp-h"'))]
    row = section[section.index("<th scope=\"row\">S1 Purpose visible"):]
    assert row.split("</tr>", 1)[0].count("<td>") == 3  # each group, and the change from the other to this one
    assert "<td>2.0</td>" in row.split("</tr>", 1)[0] and "<td>4.0</td>" in row.split("</tr>", 1)[0]
    assert "<td>-2.0</td>" in row.split("</tr>", 1)[0]
    assert "Matematik" in section and "Svenska" in section
    rows = list(csv.DictReader(io.StringIO(
        en.get("/insights/export.csv?template=walk" + query).get_data(as_text=True).lstrip("\ufeff"))))
    compared = next(r for r in rows if r["section"] == "comparison" and r["item_key"] == "S1")
    assert compared["category"] == "Svenska" and compared["value"] == "4.0"


def test_filter_selects_render_as_wtforms_would(app):
    """The filter form writes its options directly; the HTML must be WTForms' own."""
    from wtforms.widgets import Select

    from observe.insights.forms import FilterForm, choices

    with app.test_request_context():
        form = FilterForm(data={"subject": 'Bild & "form" <1>'})
        form.subject.choices = choices([("", "All"), ('Bild & "form" <1>', 'Bild & "form" <1>'), ("NO", "NO")])
        assert str(form.subject()) == str(Select()(form.subject))
        assert '<option selected value="Bild &amp; &#34;form&#34; &lt;1&gt;">' in str(form.subject())


def test_months_and_the_period_read_in_the_viewers_language(client, login_as, principal, template, make_user):
    """Swedish readers see "1 aug. 2026" and "nov.", not ISO text (the CSV keeps ISO months)."""
    from babel.dates import format_date

    staff = [make_user() for _ in range(3)]
    fill(template, staff, 5)
    login_as(principal)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    start, end = DAY.replace(day=1) - dt.timedelta(days=40), DAY
    text = page(client, f"&period=custom&start={start}&end={end}")

    scope = text[text.index('class="insights-scope"'):]
    scope = scope[:scope.index("</p>")]
    assert format_date(start, "d MMM y", locale="sv") in scope and str(start) not in scope
    assert f'<th scope="col">{format_date(DAY, "LLL y", locale="sv")}</th>' in text  # the heatmap's table
    heat = text[text.index('id="heat-h"'):text.index("</section>", text.index('id="heat-h"'))]
    assert f'>{format_date(DAY, "LLL", locale="sv")}</text>' in heat and f">{DAY:%y-%m}<" not in heat


def test_a_two_year_trend_labels_a_few_months_with_their_years(client, login_as, principal, template, make_user):
    """25 month names under a 400-pixel chart overlapped into a smear, and "nov." twice meant
    two different Novembers: the axis now labels at most six months, each with its year, and
    the heatmap says which year its months belong to."""
    import re

    from babel.dates import format_date

    from observe.insights.services import months_between, term_of, term_range

    staff = [make_user() for _ in range(3)]
    fill(template, staff, 5)
    login_as(principal)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    start = (DAY.replace(day=1) - dt.timedelta(days=700)).replace(day=1)
    text = page(client, f"&period=custom&start={start}&end={DAY}")

    trend = item_block(text, "S1")
    trend = trend[trend.index('class="chart chart-trend"'):]
    ticks = re.findall(r'<text class="chart-tick" x="[\d.]+" y="162" text-anchor="middle">([^<]+)</text>', trend)
    assert 4 <= len(ticks) <= 6 and len(set(ticks)) == len(ticks)
    assert ticks[0] == format_date(start, "LLL y", locale="sv")
    assert all(re.search(r"\b20\d\d$", tick) for tick in ticks)
    heat = text[text.index('class="chart chart-heat"'):]
    years = re.findall(r'class="chart-tick heat-year"[^>]*>(\d{4})<', heat[:heat.index("</svg>")])
    assert years == [str(year) for year in range(start.year, DAY.year + 1)]

    one_term = item_block(page(client), "S1")  # a term: its months without the year
    assert "heat-year" not in page(client)
    first, last = term_range(term_of(DAY))
    months = months_between(first, last)  # autumn has five months, all labelled; spring seven, every other one
    labelled = months if len(months) <= 6 else months[::2]
    assert re.findall(r'y="162" text-anchor="middle">([^<]+)</text>', one_term) == [
        format_date(dt.date(int(m[:4]), int(m[5:]), 1), "LLL", locale="sv") for m in labelled]


def test_a_rubric_item_card_says_what_each_level_means(client, login_as, principal, school, make_user):
    """A rubric is its descriptors: the card beside the bars says what each level meant, in the reader's language."""
    import copy

    from tests.insights.conftest import DOCUMENT

    document = copy.deepcopy(DOCUMENT)
    levels = document["sections"][0]["items"][0]["levels"]
    levels[0]["description"] = {"sv": "Syftet nämns inte.", "en": "The purpose is not mentioned."}
    levels[3]["description"] = {"sv": "Eleverna kan själva säga syftet.", "en": "Students can say the purpose."}
    version = make_template(school, document)
    fill(version, [make_user() for _ in range(3)], 5, scale="4")
    login_as(principal)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    block = item_block(page(client), "S1")
    assert "Vad nivåerna betyder" in block and "Eleverna kan själva säga syftet." in block
    assert "Syftet nämns inte." in block and "Students can say" not in block
    assert "Vad nivåerna betyder" not in item_block(page(client), "Y1")  # no descriptors, no list


@pytest.mark.parametrize("query, field", [
    ("&period=custom&start=0001-01-01&end=9999-12-31", "start"),  # was a server error
    ("&period=month&month=0001-01", "month"),  # was a server error
    ("&period=custom&start=1900-01-01&end=2100-12-31", "start"),  # was a 10 MB page of 2,412 months
    (f"&period=custom&start={DAY.replace(year=DAY.year - 11)}&end={DAY}", "end"),  # eleven years
    (f"&compare=custom&compare_start={DAY.replace(year=DAY.year - 20)}&compare_end={DAY}", "compare_end"),
])
def test_a_mistyped_period_says_why_and_shows_the_term(en, login_as, principal, template, make_user, query, field):
    """A year typed wrong in a period field gets the field's message, and the page shows the current term,
    saying so, instead of failing or drawing a century of months."""
    from observe.insights import services

    fill(template, [make_user() for _ in range(3)], 5)
    login_as(principal)
    text = page(en, query)
    assert f'aria-describedby="{field}-error" aria-invalid="true"' in text  # the message at its field
    head = text[text.index('<header class="insights-head">'):]
    head = head[:head.index("</header>")]
    assert "These filters could not be used" in head and f'<a href="#{field}">' in head  # and by the heading
    window = "Must be between 2000-01 and 2099-12." if field == "month" else "Must be between 2000-01-01 and 2099-12-31."
    length = "A period can be at most ten years."
    # a year out of the window says so (and not also that the period is too long); a long period says that
    assert (window in text and length not in text) if field in ("start", "month") else (length in text)
    start, end = services.term_range(services.term_of(DAY))
    scope = text[text.index('class="insights-scope"'):]
    assert f"{start:%-d %b %Y}" in scope[:scope.index("</p>")]  # the term it shows instead
    assert "5 completed observations" in text
    assert len(text) < 400_000


def test_a_page_with_every_filter_usable_has_no_refusal_note(en, login_as, principal, template):
    login_as(principal)
    assert "These filters could not be used" not in page(en, f"&period=custom&start={DAY.replace(day=1)}&end={DAY}")


def test_period_fields_offer_only_the_window_in_the_date_picker(en, login_as, principal, template):
    login_as(principal)
    text = page(en)
    for name in ("start", "end", "compare_start", "compare_end"):
        assert f'<input id="{name}" max="2099-12-31" min="2000-01-01" name="{name}" type="date"' in text
    assert '<input id="month" max="2099-12" min="2000-01" name="month" type="month"' in text
