"""An admin on a phone imports the staff list from a spreadsheet file, fixes an error and imports;
each new person gets an invitation e-mail (a real local SMTP server) and chooses their own password
through its link."""
from __future__ import annotations

import re

import pytest

from observe.auth.services import find_user
from observe.extensions import db
from tests.conftest import PASSWORD
from tests.feedback.test_mail import smtp  # noqa: F401  (a real SMTP server on 127.0.0.1)

pytestmark = pytest.mark.e2e

BROKEN = "name;email;roles\nAnna Andersson;anna@skola.se;lärare\nBo Berg;bo@skola;rektor;lärare\n"
FIXED = BROKEN.replace("bo@skola;", "bo@skola.se;")


def log_in(page, base, email, password):
    if not page.url.startswith(f"{base}/login"):
        page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def test_import_staff_on_a_phone_then_first_login(live_server, page, admin_user, school, tmp_path, smtp):
    base = live_server.url
    admin_user.locale = "en"  # the admin's own setting: every page in English, whatever the worker sends
    db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, base, admin_user.email, PASSWORD)
    page.click("details.navmenu summary")  # on a phone the links sit behind the menu button
    page.click("nav.mainnav a[href='/admin/']")
    page.click(".admin-nav a[href='/admin/staff/import']")

    page.set_input_files("input[type=file]", files=[{"name": "personal.csv", "mimeType": "text/csv",
                                                     "buffer": BROKEN.encode("cp1252")}])
    page.click("main button.primary")
    assert 'Row 3, column "email"' in page.inner_text(".import-errors")
    assert page.locator("form[action$='/import/confirm']").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    page.click("text=Choose another file")
    page.fill("textarea[name=text]", FIXED)
    page.click("main button.primary")
    page.click("text=Import 2 people")
    assert "2 staff members were imported." in page.inner_text(".flashes")
    assert "Bo Berg" in page.inner_text(".admin-table")

    assert page.inner_text(".admin-invite-all").startswith("2 people have not accepted the invitation yet.")
    page.click(".logout-form button")
    page.wait_for_url(f"{base}/login")

    [mail] = [message for rcpts, message in smtp.messages if rcpts == ["bo@skola.se"]]
    link = re.search(r"http://\S+/invitation/\S+", mail.get_content()).group(0)
    assert link.startswith(base)
    page.goto(link)
    page.fill("input[name=new]", "bo's own secret")
    page.fill("input[name=repeat]", "bo's own secret")
    page.click("main button.primary")
    page.wait_for_url(f"{base}/")
    db.session.rollback()  # end the test's read transaction: see what the server wrote
    assert find_user("bo@skola.se").password_hash is not None
    page.goto(link)  # the link worked once
    assert page.locator("h1").inner_text() in ("This link no longer works", "Länken fungerar inte längre")
