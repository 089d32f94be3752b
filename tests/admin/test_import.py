"""CSV import of staff: a preview that names every problem by row and column, then all or nothing."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from observe.auth.models import Membership, Role, User
from observe.auth.services import find_user
from observe.extensions import db

GOOD = "name,email,roles\nAnna Andersson,Anna@Skola.se,teacher\nBo Berg,bo@skola.se,principal;teacher\n"


def preview(post, text=None, file: bytes | None = None, filename="staff.csv"):
    data = {"text": text or ""}
    if file is not None:
        data["file"] = (io.BytesIO(file), filename)
    return post("/admin/staff/import", data, content_type="multipart/form-data")


def hidden_csv(html: str) -> str:
    import html as html_mod

    return html_mod.unescape(re.search(r'name="csv" type="hidden" value="([^"]*)"', html).group(1))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_preview_shows_every_row_and_imports_nothing_yet(as_admin, post):
    before = user_count()
    response = preview(post, GOOD)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 rows are ready to import." in html
    assert "Anna Andersson" in html and "anna@skola.se" in html and "Principal, Teacher" in html
    assert user_count() == before


def test_confirming_imports_every_row(as_admin, post, school):
    html = preview(post, GOOD).get_data(as_text=True)
    response = post("/admin/staff/import/confirm", {"csv": hidden_csv(html)}, page="/admin/staff/import")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/staff"
    bo = find_user("bo@skola.se")
    assert bo.roles_in(school.id) == {Role.PRINCIPAL, Role.TEACHER}
    assert find_user("anna@skola.se").roles_in(school.id) == {Role.TEACHER}
    assert bo.password_hash is None


def test_errors_name_the_row_and_the_column(as_admin, post, teacher):
    text = ("name,email,roles\n"
            "Anna Andersson,anna@skola.se,teacher\n"
            ",nobody@skola.se,teacher\n"  # row 3: no name
            "Cecilia,not-an-address,teacher\n"  # row 4: bad e-mail
            "David,david@skola.se,janitor\n"  # row 5: unknown role
            "Eva,ANNA@skola.se,teacher\n"  # row 6: same e-mail as row 2
            "Lars,larare@example.se,teacher\n"  # row 7: already on the staff
            "Frida,frida@skola.se,\n")  # row 8: no role
    response = preview(post, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing has been imported" in html
    for expected in ['Row 3, column &#34;name&#34;: A name is required.',
                     'Row 4, column &#34;email&#34;: This is not a valid e-mail address.',
                     'Row 5, column &#34;roles&#34;: Unknown role &#34;janitor&#34;',
                     'Row 6, column &#34;email&#34;: The same e-mail address is on row 2.',
                     'Row 7, column &#34;email&#34;: This person is already on the staff of this school.',
                     'Row 8, column &#34;roles&#34;: At least one role is required']:
        assert expected in html, expected
    assert 'action="/admin/staff/import/confirm"' not in html  # no way to import a broken list


def test_a_list_with_one_bad_row_is_not_half_imported(as_admin, post):
    before = user_count()
    text = GOOD + "Cecilia,not-an-address,teacher\n"
    response = post("/admin/staff/import/confirm", {"csv": text}, page="/admin/staff/import")
    assert response.status_code == 422
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert user_count() == before
    assert find_user("anna@skola.se") is None


def test_a_conflict_arising_after_the_preview_imports_nothing(as_admin, post, make_user):
    html = preview(post, GOOD).get_data(as_text=True)
    make_user(Role.TEACHER, email="bo@skola.se")  # someone added Bo by hand meanwhile
    before = user_count()
    response = post("/admin/staff/import/confirm", {"csv": hidden_csv(html)}, page="/admin/staff/import")
    assert response.status_code == 422
    assert "Row 3, column &#34;email&#34;: This person is already on the staff" in response.get_data(as_text=True)
    assert user_count() == before and find_user("anna@skola.se") is None


def test_swedish_excel_file_with_semicolons_bom_and_windows_encoding(as_admin, post, school):
    text = "Namn;E-post;Roller\r\nÅsa Öberg;asa@skola.se;lärare;rektor\r\nÖrjan Ek;orjan@skola.se;Lärare\r\n"
    response = preview(post, file=text.encode("cp1252"))
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert "Åsa Öberg" in html
    post("/admin/staff/import/confirm", {"csv": hidden_csv(html)}, page="/admin/staff/import")
    assert find_user("asa@skola.se").roles_in(school.id) == {Role.PRINCIPAL, Role.TEACHER}
    bom = "\ufeffname,email,roles\nIda,ida@skola.se,teacher\n".encode()
    assert preview(post, file=bom).status_code == 200


def test_file_level_problems_are_explained(as_admin, post):
    assert "missing: roles" in preview(post, "name,email\nA,a@skola.se\n").get_data(as_text=True)
    assert "Unknown column &#34;phone&#34;" in preview(post, "name,email,roles,phone\n").get_data(as_text=True)
    assert "heading but no staff rows" in preview(post, "name,email,roles\n\n").get_data(as_text=True)
    response = preview(post, "")
    assert response.status_code == 400 and "Choose a CSV file or paste the rows." in response.get_data(as_text=True)
    assert "Choose a .csv file." in preview(post, file=b"x", filename="staff.xlsx").get_data(as_text=True)


def test_a_colleague_of_the_same_organisation_gets_roles_here(as_admin, post, make_school, make_user, school):
    sister = make_school("Lönnskolan", organisation=school.organisation)
    colleague = make_user(Role.TEACHER, school=sister, email="pendlare@example.se")
    html = preview(post, "name,email,roles\nPer Pendlare,pendlare@example.se,teacher\n").get_data(as_text=True)
    assert "Existing account: gets roles here" in html
    post("/admin/staff/import/confirm", {"csv": hidden_csv(html)}, page="/admin/staff/import")
    db.session.refresh(colleague)
    assert set(colleague.school_ids) == {school.id, sister.id}
    assert db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.user_id == colleague.id)) == 2


def test_the_downloadable_template_imports_as_it_is(client, as_admin, post):
    response = client.get("/admin/staff/import/staff-template.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert preview(post, file=response.data).status_code == 200


def test_a_nul_character_is_refused_by_row_and_column_never_a_500(as_admin, post):
    """PostgreSQL cannot store NUL (U+0000) in text; SQLite can. Refused the same on both: in an
    uploaded file by row and column, in pasted text (a form value) by the app-wide form rule."""
    before = user_count()
    text = "name,email,roles\nAnna\x00 Andersson,anna@skola.se,teacher\n"
    response = preview(post, file=text.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'Row 2, column &#34;name&#34;: This contains a NUL character' in html
    assert 'action="/admin/staff/import/confirm"' not in html
    for response in (preview(post, text),
                     post("/admin/staff/import/confirm", {"csv": text}, page="/admin/staff/import")):
        assert response.status_code == 400
        assert "NUL character" in response.get_data(as_text=True)
    assert user_count() == before
