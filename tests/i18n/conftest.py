"""An app whose catalogs are compiled from the .po files as they are now, into a temporary
folder: the language tests never depend on whether `make translations` ran, and never
write into the working tree."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from observe import create_app
from observe.extensions import db

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"


def read_catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fileobj:
        return read_po(fileobj, locale=lang)


@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("translations")
    for lang in ("sv", "en"):
        target = folder / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as fileobj:
            write_mo(fileobj, read_catalog(lang))
    return folder


@pytest.fixture(scope="session")
def i18n_app(app, database_url, compiled_translations, tmp_path_factory):
    """Same database as `app` (which created the tables), but the fresh catalogs."""
    i18n_app = create_app(
        {"OBSERVE_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "OBSERVE_DEMO": False,
         "BABEL_TRANSLATION_DIRECTORIES": str(compiled_translations)},
        instance_path=str(tmp_path_factory.mktemp("i18n-instance")),
    )
    yield i18n_app
    with i18n_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def browser_client(i18n_app):
    """A client that, like a browser with no language preference, sends no Accept-Language."""
    client = i18n_app.test_client()
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)
    return client
