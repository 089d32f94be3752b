"""Logout clears the browser's copy of the user's data, but never unsynced observations."""
from __future__ import annotations

import uuid

from observe.extensions import db
from observe.sync.models import Device
from tests.conftest import csrf_token


def _logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_logout_with_nothing_unsynced_clears_cache_and_storage(teacher, login_as):
    client = login_as(teacher)
    db.session.add(Device(user_id=teacher.id, device_uuid=uuid.uuid4(), pending_count=0))
    response = _logout(client)
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/").status_code == 302  # really logged out


def test_logout_while_a_device_holds_unsynced_records_keeps_storage(teacher, login_as):
    client = login_as(teacher)
    db.session.add(Device(user_id=teacher.id, device_uuid=uuid.uuid4(), pending_count=2))
    response = _logout(client)
    assert response.headers["Clear-Site-Data"] == '"cache"'


def test_other_responses_clear_nothing(teacher, login_as):
    client = login_as(teacher)
    assert "Clear-Site-Data" not in client.get("/").headers
    # a refused logout (no CSRF token) clears nothing either
    assert "Clear-Site-Data" not in client.post("/logout").headers
