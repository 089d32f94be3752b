"""The Excel workbook: headers in the reader's language, numbers as numbers, shares as formatted numbers."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from observe.insights.periods import months_between, term_of, term_range
from tests.insights.conftest import record_observation, simple
from tests.dates import today as school_today

DAY = school_today()
BEFORE = term_range(term_of(DAY))[0] - dt.timedelta(days=30)  # in the term before


def _book(client, query=""):
    response = client.get(f"/insights/export.xlsx?template=walk{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.get_data()))


@pytest.mark.parametrize("lang, sheets, headers, mean", [
    ("sv", ["Om rapporten", "Siffror", "Per månad", "Jämförelse"],
     ["Kod", "Fråga", "Del", "Kategori", "Observationer", "Värde"], "Medelvärde"),
    ("en", ["About this report", "Figures", "By month", "Comparison"],
     ["Code", "Item", "Part", "Category", "Observations", "Value"], "Mean"),
])
def test_workbook_in_the_readers_language_with_real_numbers(client, login_as, principal, template, make_user,
                                                             lang, sheets, headers, mean):
    staff = [make_user() for _ in range(3)]
    for n in range(6):
        record_observation(template, staff[n % 3], DAY, simple(scale="2" if n % 2 else "4", yes="yes" if n < 4 else "no"))
        record_observation(template, staff[n % 3], BEFORE, simple(scale="1"))
    login_as(principal)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    book = _book(client, "&compare=previous")
    assert book.sheetnames == sheets
    about = {row[0]: row[1] for row in book[sheets[0]].iter_rows(min_row=3, values_only=True) if row[0]}
    assert about[{"sv": "Skola", "en": "School"}[lang]] == "Björkskolan"
    assert about[{"sv": "Mall", "en": "Template"}[lang]] == {"sv": "Rundan", "en": "The round"}[lang] + ", version 1"
    assert {"sv": "Minsta cellstorlek", "en": "Minimum cell size"}[lang] in about

    figures = book[sheets[1]]
    assert [c.value for c in figures[1]] == headers
    rows = [[c for c in row] for row in figures.iter_rows(min_row=2)]
    s1_mean = next(r for r in rows if r[0].value == "S1" and r[2].value == mean)
    assert s1_mean[5].value == pytest.approx(3.0) and s1_mean[5].data_type == "n"
    assert s1_mean[4].value == 6  # observations: an integer, not text
    y1_share = next(r for r in rows if r[0].value == "Y1" and r[2].value == mean)
    assert y1_share[5].value == pytest.approx(4 / 6)  # a share is the number 0.67 ...
    assert y1_share[5].number_format == "0%"  # ... shown as a percentage
    bar = next(r for r in rows if r[0].value == "S1" and r[3].value in ("Nivå 4", "Level 4"))
    assert bar[5].value == pytest.approx(0.5) and bar[5].number_format == "0%"

    compared = {row[0]: row for row in book[sheets[3]].iter_rows(min_row=2, values_only=True)}
    assert compared["S1"][2] == pytest.approx(3.0) and compared["S1"][3] == pytest.approx(1.0)
    # The term's months are columns (months still to come stay empty); this month's figure is a number.
    months = book[sheets[2]]
    term_months = months_between(*term_range(term_of(DAY)))
    assert len(months[1]) == 2 + len(term_months)
    this_month = 3 + term_months.index(f"{DAY:%Y-%m}")
    assert months.cell(2, 1).value == "S1" and isinstance(months.cell(2, this_month).value, (float, int))


def test_workbook_keeps_hidden_figures_hidden(client, login_as, principal, template, make_user):
    for n in range(4):  # below the minimum of five observations
        record_observation(template, make_user(), DAY, simple())
    login_as(principal)
    book = _book(client)
    values = [row[5] for row in book["Figures"].iter_rows(min_row=2, values_only=True)]
    assert values and all(value == "too few observations to show" for value in values)
