"""Nothing in our templates needs 'unsafe-inline': the CSP would silently break it.

Scans every template file for inline script, inline event handlers, style="" and <style>,
and javascript: URLs; then renders real pages for each role and checks the HTML the
browser gets (macros and includes build attributes the file scan cannot see).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import login
from tests.security.crawl import crawl_pages, demo  # noqa: F401  (fixture)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DATA_SCRIPT_TYPES = {"application/json"}

JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
JINJA_EXPR = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
ATTR_NAME = re.compile(r"""(?:^|[\s"'])([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?==|\s|$)""")
TYPE_ATTR = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.I)


def problems_in_template(text: str) -> list[tuple[int, str]]:
    """(line, problem) for every construct the CSP forbids; Jinja code is blanked out first,
    keeping line numbers, so `{% if x > 1 %}` inside a tag cannot confuse the scan."""
    def blank(match: re.Match) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    source = JINJA_EXPR.sub(blank, JINJA_COMMENT.sub(blank, text))
    found = []
    for match in TAG.finditer(source):
        name, attrs = match.group(1).lower(), match.group(2)
        line = source.count("\n", 0, match.start()) + 1
        attr_names = {attr.lower() for attr in ATTR_NAME.findall(attrs)}
        if name == "style":
            found.append((line, "<style> block"))
        if name == "script" and "src" not in attr_names:
            script_type = TYPE_ATTR.search(attrs)
            if not script_type or script_type.group(1).lower() not in DATA_SCRIPT_TYPES:
                found.append((line, "inline <script> without src"))
        if "style" in attr_names:
            found.append((line, f'style="" on <{name}>'))
        for attr in sorted(a for a in attr_names if a.startswith("on")):
            found.append((line, f"inline event handler {attr}= on <{name}>"))
        if re.search(r"""=\s*["']?\s*javascript:""", attrs, re.I):
            found.append((line, f"javascript: URL on <{name}>"))
    return found


def template_files() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_the_scan_finds_every_forbidden_construct():
    bad = """<div style="color:red">x</div>
<button type="button" onclick="go()">Go</button>
<script>alert(1)</script>
<style>p { color: red }</style>
<a href="javascript:void(0)">x</a>
<script type="module">import "./x.js"</script>
<img src="x.png" onerror="steal()">
<p {% if x %}style="display:none"{% endif %}>y</p>"""
    problems = [problem for _line, problem in problems_in_template(bad)]
    assert problems == [
        'style="" on <div>', "inline event handler onclick= on <button>", "inline <script> without src",
        "<style> block", "javascript: URL on <a>", "inline <script> without src",
        "inline event handler onerror= on <img>", 'style="" on <p>',
    ]


def test_the_scan_allows_what_the_policy_allows():
    good = """<script type="module" src="{{ url_for('static', filename='js/app.js') }}"></script>
<script type="application/json" id="i18n">{{ data|tojson }}</script>
<div class="card" data-style="x" data-onclick="y" aria-label="{{ _('Close') }}">{# style="x" #}</div>
<input name="{{ 'on' ~ x }}" value="{% if a > b %}1{% endif %}">
<p>Use style="…" in prose, and onclick too.</p>"""
    assert problems_in_template(good) == []


def test_no_template_needs_unsafe_inline():
    problems = [f"{path.relative_to(TEMPLATES.parent)}:{line}: {problem}"
                for path in template_files()
                for line, problem in problems_in_template(path.read_text(encoding="utf-8"))]
    assert template_files(), "no templates found"
    assert not problems, "These break under the CSP (move code to static/js, styles to app.css):\n" + "\n".join(
        problems)


class PageScanner(HTMLParser):
    """Collects what the CSP forbids in rendered HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "style":
            self.problems.append("<style> block")
        if tag == "script" and "src" not in attributes:
            if (attributes.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
                self.problems.append("inline <script>")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'style="{value}" on <{tag}>')
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def scan(html: str) -> PageScanner:
    scanner = PageScanner()
    scanner.feed(html)
    scanner.close()
    return scanner


def crawl(client) -> dict[str, list[str]]:
    """{path: problems} for the pages `client` reaches."""
    return {path: scan(html).problems for path, html in crawl_pages(client).items()}


def test_rendered_scanner_sees_forbidden_markup():
    scanner = scan('<p style="x" onclick="y">a</p><script>1</script><script type="application/json">{}</script>'
                   '<a href="/visits">v</a>')
    assert scanner.problems == ['style="x" on <p>', "onclick= on <p>", "inline <script>"]


def test_login_and_error_pages_render_without_inline_code(client):
    for path in ("/login", "/no-such-page"):
        assert scan(client.get(path).get_data(as_text=True)).problems == [], path


def test_pages_every_role_reaches_render_without_inline_code(app, demo):
    """Principal, teacher and administrator, over the demo data (loaded once for all three)."""
    from observe.demo import PASSWORD

    offenders = {}
    for email in ("rektor@demo.observe", "larare1@demo.observe", "admin@demo.observe"):
        client = app.test_client()
        assert login(client, email, PASSWORD).status_code == 302
        results = crawl(client)
        assert len(results) > 3, email
        offenders |= {f"{email} {path}": problems for path, problems in results.items() if problems}
    assert not offenders, f"rendered pages that break under the CSP: {offenders}"
