"""Logout answers a page that removes the leaving user's own data on the device (static/js/purge.js);
the server itself clears only the HTTP cache, never the storage every user of the tablet shares."""
from __future__ import annotations

import re
import uuid

from observe.extensions import db
from observe.sync.models import Device
from tests.conftest import csrf_token


def _logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_logout_page_names_the_leaving_user_for_the_device_purge(teacher, login_as):
    client = login_as(teacher)
    response = _logout(client)
    assert response.status_code == 200  # WebKit honours Clear-Site-Data only on a 200, not on a redirect
    html = response.get_data(as_text=True)
    assert re.search(rf'data-purge-user="{teacher.id}"', html)
    assert 'data-next="/login"' in html and 'href="/login"' in html  # onwards, with or without script
    assert client.get("/").status_code == 302  # really logged out


def test_logout_never_clears_storage_shared_with_other_users(teacher, login_as):
    """ "storage" deletes every IndexedDB database of the origin: another user's unsynced notes too."""
    client = login_as(teacher)
    db.session.add(Device(user_id=teacher.id, device_uuid=uuid.uuid4(), pending_count=0))
    db.session.commit()
    response = _logout(client)
    assert response.headers["Clear-Site-Data"] == '"cache"'


def test_other_responses_clear_nothing(teacher, login_as):
    client = login_as(teacher)
    assert "Clear-Site-Data" not in client.get("/").headers
    # a refused logout (no CSRF token) clears nothing either
    assert "Clear-Site-Data" not in client.post("/logout").headers
