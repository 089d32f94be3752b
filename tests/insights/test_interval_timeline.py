"""One visit's interval coding drawn as a stacked timeline (macro for the visit page)."""
from __future__ import annotations

from flask import render_template_string

from tests.insights.conftest import DOCUMENT

INTERVAL = DOCUMENT["sections"][0]["items"][5]
MACRO = '{% from "insights/_interval_timeline.html" import interval_timeline %}{{ interval_timeline(item, value) }}'


def render(app, value):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        return render_template_string(MACRO, item=INTERVAL, value=value)


def test_a_row_per_ticked_code_and_a_column_per_interval(app):
    value = [{"teacher": ["L"], "students": ["Li"]}, {"teacher": ["L", "Q"], "students": []},
             {"teacher": [], "students": ["Li"]}]
    html = render(app, value)
    assert html.count('class="timeline-cell timeline-teacher"') == 3  # L twice, Q once
    assert html.count('class="timeline-cell timeline-students"') == 2  # Li twice
    assert html.count('class="timeline-cell"') == 3 * 3 - 5  # empty cells of the three drawn rows
    assert "Group work" not in html  # a code never ticked gets no row
    assert "<th scope=\"col\">0′</th><th scope=\"col\">2′</th><th scope=\"col\">4′</th>" in html
    compact = " ".join(html.split())
    assert "Teacher: Lecturing</th> <td>✓</td><td>✓</td><td></td>" in compact
    assert "Students: Listening</th> <td>✓</td><td></td><td>✓</td>" in compact
    assert 'role="img"' in html and "Intervals: codes seen per 2-minute interval" in html


def test_nothing_ticked_says_so(app):
    assert "No codes were ticked." in render(app, [])
