"""Derived measures in Analys's charts (#16): the heatmap gives each measure a row of months after the
items, the comparison column sets a measure beside the same measure of the other period, and a
measure's cell is hidden below the minimum cell size exactly like an item's; figures as the reader's
language writes them."""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re

import pytest
from openpyxl import load_workbook

from tests.dates import today
from observe.extensions import db
from observe.templates_.services import import_template, publish
from tests.insights.conftest import record_observation
from tests.templates_.measure_documents import rubric, tally

# (open, closed, minutes, wait ≥ 3 s, pair talk) per lesson.
THIS_MONTH = [(8, 12, 30, 9, "yes"), (4, 16, 40, 5, "no"), (10, 6, 25, 11, "yes"), (3, 9, 20, 2, "no"),
              (7, 7, 35, 8, "yes")]  # open 32 of 82 (39 %), 82 questions in 150 minutes (0.55 a minute)
LAST_MONTH = [(6, 4, 20, 3, "yes")] * 5  # open 30 of 50 (60 %), 50 in 100 minutes (0.5 a minute)
EARLIER = [(9, 1, 10, 1, "yes")] * 2  # two lessons: below the minimum of five observations
MINUS = {"en": "-", "sv": "\u2212"}  # as each language writes a negative number
HIDDEN_TEXT = {"en": "too few observations to show", "sv": "för få observationer för att visas"}


def _month(first: dt.date, back: int) -> dt.date:
    """The first day of the month `back` months before the one starting on `first`."""
    year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
    return dt.date(year, month + 1, 1)


@pytest.fixture
def lessons(ctx, school, principal, make_user):
    """The tally imported and published as a principal does (the import normalises the document), and
    lessons in three months: this one, the one before and, below the minimum cell size, the one before that."""
    template = import_template(school, principal, json.dumps(tally()))
    publish(template, principal)
    db.session.commit()
    version = template.latest
    teachers = [make_user(name=f"Lärare {n}") for n in range(3)]
    this = today().replace(day=1)
    days = {"this": today(), "last": _month(this, 1) + dt.timedelta(days=9), "earlier": _month(this, 2) + dt.timedelta(days=9)}
    for when, counts in (("this", THIS_MONTH), ("last", LAST_MONTH), ("earlier", EARLIER)):
        for n, (o, c, minutes, wait, talk) in enumerate(counts):
            record_observation(version, teachers[n % 3], days[when],
                               {"minutes": {"value": minutes}, "open": {"value": o}, "closed": {"value": c},
                                "wait3": {"value": wait}, "talk": {"value": talk}})
    return {when: day.strftime("%Y-%m") for when, day in days.items()}, _month(this, 2)


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'aria-labelledby="{heading_id}"')
    return html.unescape(page[start:page.index("</section>", start)])


def _row(section: str, row_id: str) -> list[str]:
    """The cells of one table row as the reader sees them (tags dropped)."""
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', section, re.S)
    assert row, (row_id, section[:2000])
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)]


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_the_heatmap_has_a_row_per_measure_hidden_below_the_minimum(client, login_as, principal, lessons, lang):
    months, first = lessons
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    login_as(principal)
    hidden = HIDDEN_TEXT[lang]
    page = client.get(f"/insights/?template=fragetally&period=custom&start={first}&end={today()}")
    assert page.status_code == 200
    heat = _section(page.get_data(as_text=True), "heat-h")
    open_label, rate_label, heading, per_minute = {
        "en": ("Share of open questions", "Questions per minute", "Derived measures", "per minute"),
        "sv": ("Andel öppna frågor", "Frågor per minut", "Beräknade mått", "per minut")}[lang]
    comma = "," if lang == "sv" else "."

    # The data table beside the chart: the measures under their own heading, after the items, per month
    # (the earliest month had two lessons: hidden, as the items' cells of that month are).
    assert {"en": "a share from 0 to 100 %, an average", "sv": "en andel från 0 till 100 %, ett medelvärde"}[lang] in heat
    table = heat[heat.index("<table"):]
    assert heading in table
    assert table.index({"en": "Open questions", "sv": "Öppna frågor"}[lang]) < table.index(heading) < table.index(open_label)
    assert _row(heat, "heat-measure-open_share") == [open_label, hidden, "60\u00a0%", "39\u00a0%"]
    assert _row(heat, "heat-measure-per_minute") == [rate_label, hidden, f"0{comma}5 {per_minute}",
                                                     f"0{comma}55 {per_minute}"]
    assert _row(heat, "heat-measure-talk_share") == [{"en": "Share of lessons with pair talk",
                                                      "sv": "Andel lektioner med parsamtal"}[lang], hidden, "100\u00a0%", "60\u00a0%"]
    # The items' own cells of the earliest month are hidden too: nothing in it rests on enough lessons.
    assert heat.count(hidden) >= 4 + 4  # four measures, and at least the four counters of that month
    # The chart: a row named by the measure, a shaded cell per shown month with the number it has room
    # for, and the hidden month drawn as every hidden cell is (a dotted box and "·").
    svg = heat[heat.index('<svg class="chart chart-heat"'):heat.index("</svg>")]
    assert f'<text class="chart-heading" x="2"' in svg and f">{heading}</text>" in svg
    assert f"<title>{open_label}</title>" in svg
    assert f"<title>{open_label} · {months['this']}: 39\u00a0%</title>" in svg
    assert f"<title>{rate_label} · {months['this']}: 0{comma}55 {per_minute}</title>" in svg
    rate_cell = svg[svg.index(f"<title>{rate_label} · {months['this']}"):]
    assert re.match(r'.*?<rect class="heat heat-shown heat-\d[^"]*".*?>0' + comma + r"55</text>", rate_cell, re.S)
    earlier = svg[svg.index(f"<title>{open_label} · {months['earlier']}: {hidden}</title>"):]
    assert re.match(r'.*?<rect class="heat heat-hidden".*?>·</text>', earlier, re.S)
    assert "90\u00a0%" not in heat  # the hidden month's share (9 of 10) is nowhere on the page's heatmap


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_the_comparison_sets_each_measure_beside_the_previous_period(client, login_as, principal, lessons, lang):
    months, _first = lessons
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    login_as(principal)
    page = client.get(f"/insights/?template=fragetally&period=month&month={months['this']}&compare=previous")
    assert page.status_code == 200
    compared = _section(page.get_data(as_text=True), "cmp-h")
    comma, per_minute = ("," if lang == "sv" else "."), ("per minut" if lang == "sv" else "per minute")
    open_label = "Andel öppna frågor" if lang == "sv" else "Share of open questions"
    points = "procentenheter" if lang == "sv" else "percentage points"
    # This month beside the month before: the share of open questions fell from 60 % to 39 %.
    assert _row(compared, "cmp-measure-open_share") == [open_label, "39\u00a0%", "60\u00a0%", f"{MINUS[lang]}21 {points}"]
    assert _row(compared, "cmp-measure-per_minute")[1:] == [f"0{comma}55 {per_minute}", f"0{comma}5 {per_minute}",
                                                            f"+0{comma}05"]
    assert _row(compared, "cmp-measure-wait_share")[1:] == ["43\u00a0%", "30\u00a0%", f"+13 {points}"]
    svg = compared[compared.index('<svg class="chart chart-compare"'):compared.index("</svg>")]
    assert ">Beräknade mått</text>" in svg if lang == "sv" else ">Derived measures</text>" in svg
    bars = re.search(rf"<title>{re.escape(open_label)}</title>.*?</g>", svg, re.S).group(0)
    a, b = (float(w) for w in re.findall(r'class="chart-bar(?:-b)?" x="[\d.]+" y="\d+" width="([\d.]+)"', bars))
    assert a < b and round(a / b, 2) == round((32 / 82) / 0.6, 2)  # both drawn on 0-100 %
    assert ": 39\u00a0%</title>" in bars and ": 60\u00a0%</title>" in bars


def test_a_measure_of_a_period_below_the_minimum_is_hidden_in_the_comparison(client, login_as, principal, lessons):
    months, _first = lessons
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_as(principal)
    page = client.get(f"/insights/?template=fragetally&period=month&month={months['last']}&compare=previous")
    compared = _section(page.get_data(as_text=True), "cmp-h")
    assert _row(compared, "cmp-measure-open_share") == ["Share of open questions", "60\u00a0%", "too few observations to show",
                                                        "–"]  # no change to tell
    svg = compared[compared.index('<svg class="chart chart-compare"'):compared.index("</svg>")]
    bars = re.search(r"<title>Share of open questions</title>.*?</g>", svg, re.S).group(0)
    assert 'class="chart-bar"' in bars and 'class="chart-bar-b"' not in bars  # no bar, no figure for it
    assert "90\u00a0%" not in compared


def test_the_workbook_and_the_csv_carry_the_measures_rows_of_the_heatmap_and_the_comparison(
        client, login_as, principal, lessons):
    months, first = lessons
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    login_as(principal)
    query = f"template=fragetally&period=custom&start={first}&end={today()}"
    export = client.get(f"/insights/export.csv?{query}").get_data(as_text=True).lstrip("\ufeff")
    by_month = {row["category"]: row["value"] for row in csv.DictReader(io.StringIO(export))
                if row["section"] == "month" and row["item_key"] == "open_share"}
    assert by_month == {months["earlier"]: HIDDEN_TEXT["sv"], months["last"]: "60\u00a0%", months["this"]: "39\u00a0%"}

    response = client.get(f"/insights/export.xlsx?template=fragetally&period=month&month={months['this']}"
                          "&compare=previous")
    book = load_workbook(io.BytesIO(response.get_data()))
    compared = {row[1]: row[2:4] for row in book["Jämförelse"].iter_rows(min_row=2, values_only=True)}
    share, before = compared["Andel öppna frågor"]
    assert round(share, 4) == round(32 / 82, 4) and before == 0.6  # numbers, formatted as percentages
    assert compared["Frågor per minut"] == (pytest.approx(82 / 150), 0.5)
    assert {row[1] for row in book["Per månad"].iter_rows(min_row=2, values_only=True)} >= {
        "Andel öppna frågor", "Frågor per minut", "Öppna frågor"}


def test_a_rubric_domain_average_is_shaded_on_its_items_scale(client, login_as, principal, school, make_user):
    """An average's row in the heatmap: its figure as the reader writes it, shaded on the 1-4 scale of the
    items it averages (2.87 lies 62 % of the way from 1 to 4: the fourth of five shades)."""
    template = import_template(school, principal, json.dumps(rubric()))
    publish(template, principal)
    db.session.commit()
    teachers = [make_user() for _ in range(3)]
    for n, marks in enumerate([("2", "3", "4"), ("3", "3", "na"), ("4", "2", "2"), ("1", "4", "3"), ("3", "3", "3")]):
        record_observation(template.latest, teachers[n % 3], today(),
                           {key: {"value": mark} for key, mark in zip(("d3a", "d3b", "d3c"), marks)})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    login_as(principal)
    month = today().strftime("%Y-%m")
    heat = _section(client.get(f"/insights/?template=rubrik&period=month&month={month}").get_data(as_text=True),
                    "heat-h")
    assert _row(heat, "heat-measure-d3_avg") == ["Domän 3, medel", "2,87"]
    assert _row(heat, "heat-measure-d3_weighted") == ["Domän 3, viktat", "2,9"]
    cell = heat[heat.index(f"<title>Domän 3, medel · {month}: 2,87</title>"):]
    assert re.match(r'<title>[^<]*</title><rect class="heat heat-shown heat-3"', cell)
