"""Choosing one's own password, and the forced change after a temporary password."""
from __future__ import annotations

from observe.auth.passwords import verify_password
from observe.extensions import db
from tests.conftest import PASSWORD, csrf_token, login


def change(client, current=PASSWORD, new="a brand new secret", repeat=None):
    return client.post("/password", data={"current": current, "new": new, "repeat": repeat or new,
                                          "csrf_token": csrf_token(client, "/password")})


def test_user_with_a_temporary_password_must_choose_their_own_first(client, teacher):
    teacher.password_change_required = True
    db.session.commit()
    response = login(client, teacher)
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/password"
    assert "Choose your own password" in client.get("/password").get_data(as_text=True)
    assert change(client).status_code == 302
    assert client.get("/").status_code == 200  # the same session goes on
    db.session.refresh(teacher)
    assert not teacher.password_change_required
    assert verify_password(teacher.password_hash, "a brand new secret")


def test_changing_the_password_logs_out_other_devices(app, client, login_as, teacher):
    login_as(teacher)
    other = app.test_client()
    login(other, teacher)
    assert change(client).status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_wrong_current_password_changes_nothing_and_counts_as_a_failure(client, login_as, teacher):
    login_as(teacher)
    response = change(client, current="not my password")
    assert response.status_code == 400
    assert "This is not your current password." in response.get_data(as_text=True)
    db.session.refresh(teacher)
    assert verify_password(teacher.password_hash, PASSWORD)
    from observe.audit.models import AuditEvent

    # Counted against this browser (it signed in before: its own allowance, tests/auth/test_throttle.py).
    assert db.session.query(AuditEvent).filter_by(action="login.failure.device", subject=teacher.email).count() == 1


def test_new_password_must_be_long_enough_and_repeated(client, login_as, teacher):
    login_as(teacher)
    assert "at least 8 characters" in change(client, new="short").get_data(as_text=True)
    assert "The two new passwords differ." in change(client, repeat="something else").get_data(as_text=True)


def test_sync_api_and_offline_files_still_answer_during_a_forced_change(client, teacher):
    teacher.password_change_required = True
    db.session.commit()
    login(client, teacher)
    assert client.get("/visits/").status_code == 302
    for path in ("/sw.js", "/manifest.webmanifest", "/api/v1/ping"):
        response = client.get(path)
        assert response.status_code in (200, 204), path
