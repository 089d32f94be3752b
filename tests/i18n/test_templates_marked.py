"""Words a user reads in a template go through _(): a literal sentence would stay English
(or Swedish) whatever the language switch says."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]*>", re.S)
READ_ATTRIBUTES = re.compile(r"""\b(aria-label|title|placeholder|alt|aria-description)\s*=\s*"([^"]*)\"""")
# Prose: two words of letters in a row. Single tokens (brand, "English"/"Svenska" on the
# language switch, hh:mm) and sample data (e-mail addresses, CSV lines) are not prose.
PROSE = re.compile(r"[A-Za-zÅÄÖåäöÉé]{2,}[ ]+[A-Za-zÅÄÖåäöÉé]{2,}")


def blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def literal_prose(text: str) -> list[tuple[int, str]]:
    """(line, text) for prose outside Jinja in text nodes and read-aloud attributes."""
    source = SCRIPT_OR_STYLE.sub(blank, JINJA.sub(blank, text))
    found = []
    for match in READ_ATTRIBUTES.finditer(source):
        if PROSE.search(match.group(2)):
            found.append((source.count("\n", 0, match.start()) + 1, f'{match.group(1)}="{match.group(2)}"'))
    for match in re.finditer(r"[^\n]+", TAG.sub(blank, source)):
        words = match.group(0).strip()
        if PROSE.search(words) and "@" not in words:
            found.append((source.count("\n", 0, match.start()) + 1, words))
    return sorted(found)


def test_the_scan_finds_literal_prose():
    sample = """<h1>Welcome back</h1>
<button aria-label="Close the dialog">{{ _("Close") }}</button>
<p>{{ _("Saved") }} {# a comment with words #}</p>
<input placeholder="hh:mm"><a href="/">Observe</a>
<pre>name,email,roles
Anna Andersson,anna@skola.se,teacher</pre>
<script type="application/json">{"some words": "more words"}</script>"""
    assert literal_prose(sample) == [(1, "Welcome back"), (2, 'aria-label="Close the dialog"')]


def test_templates_mark_every_sentence_for_translation():
    problems = [f"{path.relative_to(TEMPLATES.parent)}:{line}: {text!r}"
                for path in sorted(TEMPLATES.rglob("*.html"))
                for line, text in literal_prose(path.read_text(encoding="utf-8"))]
    assert not problems, "wrap these in {{ _(\"…\") }} (docs/i18n.md):\n" + "\n".join(problems)
