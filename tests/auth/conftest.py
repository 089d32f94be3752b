"""Requests that behave as in production even while a test holds an app context.

The shared `ctx` fixture keeps one app context open for the whole test, and Flask
reuses an open app context for test requests: `g` (where Flask-Login keeps the
current user, Flask-WTF the CSRF token and permissions the current school) would
then leak from one request into the next. Each request here gets its own app
context, hence its own `g` and its own database session, like a real worker.
The test's own session is committed first: what the test changed is visible to
the request, and what the request wrote is read fresh by the test afterwards.
"""
from __future__ import annotations

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

from observe.extensions import db


class IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    try:
        yield app.test_client()
    finally:
        app.test_client_class = None
