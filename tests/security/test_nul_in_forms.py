"""A NUL character (U+0000) in any form or query value is a clear 400, never a 500 (PostgreSQL
cannot store it; SQLite can): the same answer on both databases, before any view runs."""
from __future__ import annotations

from sqlalchemy import func, select

from observe.auth.models import User
from observe.extensions import db
from tests.auth.conftest import client  # noqa: F401  (one app context per request)
from tests.conftest import csrf_token

MESSAGE = "The form contained a NUL character (U+0000), which cannot be saved."


def test_a_nul_in_an_html_form_is_a_400_page(client, login_as, admin_user):
    login_as(admin_user)
    before = db.session.scalar(select(func.count()).select_from(User))
    response = client.post("/admin/staff/new", data={
        "name": "Anna\x00 Andersson", "email": "anna@skola.se", "roles": ["teacher"], "password": "",
        "csrf_token": csrf_token(client, "/admin/staff/new")})
    assert response.status_code == 400
    assert MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_a_nul_in_a_query_is_a_400(client, login_as, admin_user):
    login_as(admin_user)
    response = client.get("/admin/staff?q=Anna%00")
    assert response.status_code == 400
    assert MESSAGE in response.get_data(as_text=True)
