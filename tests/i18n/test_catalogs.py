"""Every string the code marks for translation has a Swedish translation that fits."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.i18n.conftest import ROOT, read_catalog

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|%[sd]")


def extract(tmp_path: Path):
    """Run `pybabel extract` over the project exactly as `make messages` does."""
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "--no-wrap", "-o", str(pot), "."],
                   cwd=ROOT, check=True)
    with pot.open("rb") as fileobj:
        return read_po(fileobj)


def untranslated(message) -> bool:
    forms = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return message.fuzzy or not all(forms)


def where(message) -> str:
    return ", ".join(sorted({path for path, _line in message.locations})) or "?"


def test_every_extracted_string_has_a_swedish_translation(tmp_path):
    template = extract(tmp_path)
    swedish = read_catalog("sv")
    problems = []
    for message in template:
        if not message.id:
            continue
        translated = swedish.get(message.id, context=message.context)
        if translated is None:
            problems.append(f"missing ({where(message)}): {message.id!r}")
        elif untranslated(translated):
            problems.append(f"untranslated ({where(message)}): {message.id!r}")
    assert len(template) > 50, "extraction found almost nothing: is babel.cfg right?"
    assert not problems, (f"{len(problems)} strings need Swedish; run `make messages` and translate them "
                          "in translations/sv/LC_MESSAGES/messages.po (docs/i18n.md):\n" + "\n".join(problems))


def test_the_check_notices_a_string_nobody_translated(tmp_path):
    """The completeness check above would fail for a new string: it is really extracted."""
    source = tmp_path / "observe" / "x.py"
    source.parent.mkdir()
    source.write_text('from flask_babel import gettext as _\n_("A string nobody has translated yet")\n')
    (tmp_path / "babel.cfg").write_text((ROOT / "babel.cfg").read_text())
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-o", "x.pot", "."], cwd=tmp_path, check=True)
    with (tmp_path / "x.pot").open("rb") as fileobj:
        ids = [message.id for message in read_po(fileobj) if message.id]
    assert ids == ["A string nobody has translated yet"]
    assert read_catalog("sv").get(ids[0]) is None


def test_swedish_keeps_every_placeholder():
    """A lost %(name)s shows the wrong text; an extra one crashes the page."""
    problems = []
    for message in read_catalog("sv"):
        if not message.id or untranslated(message):
            continue
        sources = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        targets = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        expected = sorted(set(PLACEHOLDER.findall(sources[-1])) | set(PLACEHOLDER.findall(sources[0])))
        for target in targets:
            if sorted(set(PLACEHOLDER.findall(target))) != expected:
                problems.append(f"{message.id!r} -> {target!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_catalogs_pass_babels_checks():
    for lang in ("sv", "en"):
        errors = [(message.id, [str(error) for error in errs]) for message, errs in read_catalog(lang).check()]
        assert errors == [], lang


def test_catalogs_declare_language_and_plural_rule():
    for lang in ("sv", "en"):
        catalog = read_catalog(lang)
        assert str(catalog.locale) == lang
        assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
