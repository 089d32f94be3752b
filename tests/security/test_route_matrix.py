"""Every route in app.url_map, every role: who may read, change, delete and export.

The MATRIX below is the one table of access rules. Each endpoint has the roles that get
through (anything but a login redirect, 401, 403 or 404; a 5xx always fails). Every
other signed-in role must get 403 or 404, and nobody signed in gets the login page
(or 401 from the API). A route that is not in the table fails `test_every_route_is_in_the_matrix`,
so a new route cannot ship without a decision here.

Records: see tests/security/world.py (two organisations x two schools, one record of each
kind in A1 and its mirror in B1). Routes with a record id are also asked, by the role the
matrix allows, for the mirror record of school B1 and for an id that exists nowhere: both
answer 404, the same (ids of other schools are no oracle).
"""
from __future__ import annotations

import pytest

from observe.extensions import db
from tests.conftest import CSRF_RE
from tests.security.world import ROLES, build_world, missing_ids

ALL = set(ROLES)
SIGNED_IN = ALL - {"anon"}
STAFF = {"admin", "principal", "teacher", "peer", "colleague"}  # members of school A1
PAIR = {"teacher", "peer"}  # the peer pair
# Principals and admins anywhere pass the school-level checks (other schools' records stay 404).
LEADERS = {"principal", "outsider", "foreign"}
MANAGERS = LEADERS | {"admin"}


class R:
    """One row of the matrix: `kind` says what the route does with a personal or school record."""

    def __init__(self, kind: str, allowed: set[str], record: str | None = None):
        self.kind, self.allowed, self.record = kind, set(allowed), record


# endpoint: R(read | change | delete | export | public, roles let through, which record an id names)
MATRIX: dict[str, R] = {
    # --- public: no personal data -------------------------------------------------------------
    "static": R("public", ALL),
    "bundle": R("public", ALL),  # the signed-in pages' scripts as one file (observe/bundles.py): code, no data
    "core.healthz": R("public", ALL),
    "core.favicon": R("public", ALL),
    "core.set_language": R("public", ALL),
    "auth.login": R("public", ALL),
    "i18n.catalog_json": R("public", ALL),
    "pwa.manifest": R("public", ALL),
    "pwa.offline": R("public", ALL),
    "pwa.service_worker": R("public", ALL),
    "pwa.offline_pages": R("read", SIGNED_IN),
    "pwa.offline_visit": R("read", SIGNED_IN),
    "sync.ping": R("public", ALL),
    "sync.openapi": R("public", ALL),
    "sync.set_faults": R("public", set()),  # 404 unless a test server switched faults on
    # --- core / auth ----------------------------------------------------------------------------
    "core.home": R("read", SIGNED_IN),
    "core.set_school": R("change", set()),  # no school of one's own in the form: 404 (tests/core switch)
    "auth.logout": R("logout", ALL),  # the logout page (then the login page) for everyone signed in
    "auth.change_password": R("change", SIGNED_IN),
    # 404 unless OBSERVE_OIDC_ISSUER is set (tests/auth/test_oidc.py signs in through a real provider)
    "oidc.start": R("public", set()),
    "oidc.callback": R("public", set()),
    "invitation.accept": R("public", ALL),  # a made-up token: "this link no longer works" (410) for everyone
    # --- admin: staff, groups, retention (the school's admin only) ------------------------------
    "admin.index": R("read", {"admin", "foreign"}),
    "admin.staff": R("read", {"admin", "foreign"}),
    "admin.add_staff": R("change", {"admin", "foreign"}),
    "admin.edit_staff": R("change", {"admin"}, "user_id"),
    "admin.deactivate_staff": R("change", {"admin"}, "user_id"),
    "admin.reactivate_staff": R("change", {"admin"}, "user_id"),
    "admin.remove_staff": R("delete", {"admin"}, "user_id"),
    "admin.staff_org_leader": R("change", set(), "user_id"),  # needs admin of every school of the org
    "admin.staff_invite": R("change", {"admin"}, "user_id"),
    "admin.staff_invite_all": R("change", {"admin", "foreign"}),
    "admin.import_staff": R("change", {"admin", "foreign"}),
    "admin.import_confirm": R("change", {"admin", "foreign"}),
    "admin.import_template": R("read", {"admin", "foreign"}),
    "admin.groups": R("read", {"admin", "foreign"}),
    "admin.new_group": R("change", {"admin", "foreign"}),
    "admin.edit_group": R("change", {"admin"}, "group_id"),
    "admin.delete_group": R("delete", {"admin"}, "group_id"),
    "admin.devices": R("read", {"admin", "foreign"}),
    "admin.retention": R("change", {"admin", "foreign"}),
    "admin.organisation": R("read", {"admin", "foreign"}),
    "admin.save_organisation": R("change", set()),  # needs admin of every school of the org
    "admin.schools": R("change", {"admin", "foreign"}),
    # --- visits: observer, observed teacher, the school's principals ----------------------------
    "visits.mine": R("read", SIGNED_IN),
    "visits.new": R("read", LEADERS),
    "visits.new_spontaneous": R("read", LEADERS),
    "visits.detail": R("read", {"principal", "teacher"}, "visit_uuid"),
    "visits.observe": R("change", {"principal"}, "visit_uuid"),
    "visits.save": R("change", SIGNED_IN),  # answers per record through the sync rules
    # --- planning -------------------------------------------------------------------------------
    "planning.index": R("read", SIGNED_IN),
    "planning.new": R("change", LEADERS),
    "planning.show": R("read", {"principal", "teacher"}, "visit_uuid"),
    "planning.booking": R("export", {"principal", "teacher"}, "visit_uuid"),
    "planning.preconference": R("change", {"principal", "teacher"}, "visit_uuid"),
    "planning.cancel": R("delete", {"principal"}, "visit_uuid"),
    # --- feedback, next steps, comments ---------------------------------------------------------
    "feedback.index": R("read", SIGNED_IN),
    "feedback.follow_up": R("read", LEADERS),
    "feedback.visit": R("read", {"principal", "teacher"}, "visit_uuid"),
    "feedback.save_draft": R("change", {"principal"}, "visit_uuid"),
    "feedback.reflect": R("change", {"teacher"}, "visit_uuid"),
    "feedback.acknowledge": R("change", {"teacher"}, "visit_uuid"),
    "feedback.comment": R("change", {"principal", "teacher"}, "visit_uuid"),
    "feedback.add_step": R("change", {"principal", "teacher"}, "visit_uuid"),
    "feedback.step_status": R("change", {"principal", "teacher"}, "step_uuid"),
    "feedback.conversation": R("change", {"principal"}, "visit_uuid"),  # the observer, once shared
    # --- peer observation: the pair's notes -----------------------------------------------------
    "feedback.peer_index": R("read", SIGNED_IN),
    "feedback.peer_group_create": R("change", SIGNED_IN),
    "feedback.peer_group_action": R("change", {"principal"}, "peer_group_id"),  # principals confirm
    "feedback.peer_group_accept": R("change", PAIR, "peer_group_id"),  # the members accept their group
    "feedback.peer_group_change": R("change", PAIR, "peer_group_id"),  # ... or ask the principal for a change
    "feedback.peer_round": R("read", LEADERS),  # the next round: proposed, nothing stored
    "feedback.peer_round_form": R("change", LEADERS),
    "feedback.peer_visit_new": R("change", PAIR, "peer_group_id"),
    "feedback.peer_summary": R("change", {"teacher"}, "peer_visit_uuid"),
    "feedback.peer_delete_notes": R("delete", {"teacher"}, "peer_visit_uuid"),
    # --- insights: de-identified aggregates -----------------------------------------------------
    "insights.dashboard": R("read", LEADERS),  # admins run the school, they do not read observations
    "insights.export": R("export", LEADERS),
    "insights.export_workbook": R("export", LEADERS),
    # --- templates ------------------------------------------------------------------------------
    "templates_.index": R("read", SIGNED_IN),
    "templates_.new": R("change", MANAGERS),
    "templates_.import_": R("change", MANAGERS),
    "templates_.set_defaults": R("change", MANAGERS),
    "templates_.clone_other": R("change", {"admin", "principal", "outsider"}, "template_id"),  # same organisation
    "templates_.designer": R("read", STAFF, "template_id"),
    "templates_.preview": R("read", STAFF, "template_id"),
    "templates_.export": R("export", STAFF, "template_id"),
    "templates_.clone": R("change", {"admin", "principal"}, "template_id"),
    "templates_.meta": R("change", {"admin", "principal"}, "template_id"),
    "templates_.publish": R("change", {"admin", "principal"}, "template_id"),
    "templates_.discard": R("delete", {"admin", "principal"}, "template_id"),
    "templates_.set_status": R("change", {"admin", "principal"}, "template_id"),
    "templates_.coauthors": R("change", {"admin", "principal"}, "template_id"),
    "templates_.add_section": R("change", {"admin", "principal"}, "template_id"),
    "templates_.section_op": R("change", {"admin", "principal"}, "template_id"),
    "templates_.add_item": R("change", {"admin", "principal"}, "template_id"),
    "templates_.item": R("change", {"admin", "principal"}, "template_id"),
    "templates_.item_op": R("change", {"admin", "principal"}, "template_id"),
    "templates_.add_measure": R("change", {"admin", "principal"}, "template_id"),
    "templates_.delete_measure": R("change", {"admin", "principal"}, "template_id"),
    # --- privacy: one's own data, the school's audit log -----------------------------------------
    "privacy.about_me": R("read", SIGNED_IN),  # only the signed-in person's own records
    "privacy.export": R("export", SIGNED_IN),  # ditto, JSON and CSV
    "privacy.audit_log": R("read", {"admin", "foreign"}),  # the admin's own school only
    # --- sync API (JSON; 401 instead of the login page) -----------------------------------------
    "sync.csrf_token": R("read", SIGNED_IN),
    "sync.sync": R("change", SIGNED_IN),  # each record is checked on its own (tests/sync)
    "sync.conflicts": R("read", SIGNED_IN),  # lists the caller's own conflicts only
    "sync.resolve": R("change", {"principal"}, "conflict_id"),
    # --- merge screen (HTML beside the sync API; only the conflict's author) ----------------------
    "merge.index": R("read", SIGNED_IN),  # lists the caller's own conflicts only
    "merge.merge": R("change", {"principal"}, "conflict_id"),
}


# --- machinery ----------------------------------------------------------------------------------

FIXED_ARGS = {"lang": "sv", "filename": "css/app.css", "bundle": "app", "action": "confirm", "fmt": "json", "token": "made-up"}
SKIP_METHODS = {"HEAD", "OPTIONS"}


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules()), key=lambda r: r.endpoint)


def _cases(app):
    return [(r.endpoint, m) for r in _rules(app) for m in sorted(r.methods - SKIP_METHODS)]


def _url(app, endpoint: str, ids: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    row = MATRIX[endpoint]
    values = {}
    for name in rule.arguments:
        if name in FIXED_ARGS:
            values[name] = FIXED_ARGS[name]
        elif row.record and name in ("visit_uuid", "group_id"):
            values[name] = ids[row.record]
        else:
            values[name] = ids[name]
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def _token(client, signed_in: bool) -> str:
    if signed_in:
        return client.get("/api/v1/csrf").get_json()["csrf_token"]
    return CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)


def _ask(client, method: str, url: str, token: str):
    headers = {"X-CSRFToken": token}
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return client.open(url, method=method, json={}, headers=headers)
    return client.open(url, method=method, data={}, headers=headers)


def outcome(response) -> str:
    """"ok", "login" (sent to log in / 401), "403" or "404"; a server error fails the test."""
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code == 401 or (response.status_code in (302, 303)
                                        and "/login" in response.headers.get("Location", "")):
        return "login"
    if response.status_code in (403, 404):
        return str(response.status_code)
    return "ok"


def _client_for(app, user):
    """A client signed in as `user` (the session a real login makes, without hashing a password
    hundreds of times; tests/auth covers the login itself)."""
    client = app.test_client()
    if user is not None:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
    return client


@pytest.fixture
def world(ctx, password_hash):
    return build_world(password_hash)


def _observed(app, world, endpoint, method, roles, ids=None) -> dict[str, str]:
    a1 = world["A1"]
    url = _url(app, endpoint, ids or a1.ids)
    seen = {}
    for role in roles:
        user = a1.users.get(role)
        client = _client_for(app, user)
        seen[role] = outcome(_ask(client, method, url, _token(client, user is not None)))
    return seen


def test_every_route_is_in_the_matrix(app):
    missing = sorted({r.endpoint for r in _rules(app)} - set(MATRIX))
    assert not missing, f"routes without an access decision in MATRIX: {missing}"
    stale = sorted(set(MATRIX) - {r.endpoint for r in _rules(app)})
    assert not stale, f"MATRIX rows for routes that no longer exist: {stale}"


def _methods(app, endpoint: str) -> list[str]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return sorted(rule.methods - SKIP_METHODS, key=lambda m: m != "GET")  # reads before changes


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_who_gets_through(app, world, endpoint):
    """Every role against the route: the allowed get through, the others 403/404, anonymous to login.
    Denied roles go first, so a change made by an allowed role cannot hide a refusal."""
    row = MATRIX[endpoint]
    order = sorted(ROLES, key=lambda role: role in row.allowed)
    for method in _methods(app, endpoint):
        seen = _observed(app, world, endpoint, method, order)
        expected = {}
        for role, got in seen.items():
            if row.kind == "logout":  # a signed-in user gets the logout page (it purges, then opens the login)
                expected[role] = "login" if role == "anon" else "ok"
            elif role in row.allowed:
                expected[role] = "ok"
            elif row.kind == "public" or role != "anon":
                expected[role] = got if got in ("403", "404") else "403/404"
            else:
                expected[role] = "login"
        assert seen == expected, f"{method} {endpoint}"


ID_ROUTES = sorted(e for e, row in MATRIX.items() if row.record and row.allowed)


@pytest.mark.parametrize("endpoint", ID_ROUTES)
def test_other_schools_ids_answer_404_like_missing_ones(app, world, endpoint):
    """Someone allowed at A1 asks for the mirror record of school B1 and for an id that exists
    nowhere: both are 404, with the same body, so an id reveals nothing."""
    role = sorted(MATRIX[endpoint].allowed & STAFF)[0]
    for method in _methods(app, endpoint):
        answers = []
        for ids in (world["B1"].ids, missing_ids()):
            client = _client_for(app, world["A1"].users[role])
            url = _url(app, endpoint, ids)
            response = _ask(client, method, url, _token(client, True))
            answers.append((response.status_code, response.mimetype))
        assert answers[0] == answers[1] == (404, answers[0][1]), f"{method} {endpoint} as {role}: {answers}"


def test_the_matrix_denies_something_on_every_personal_route():
    """Guard against a matrix that lets everyone through: every route about a record names
    who may use it, and nobody outside school A1 touches A1's records."""
    for endpoint, row in MATRIX.items():
        if row.record:
            assert not row.allowed & {"anon", "foreign"}, endpoint


def test_ids_beyond_the_database_integer_are_404_not_500(app, world):
    """PostgreSQL integer columns stop at 2**31 - 1; a larger id in a URL is simply not found."""
    a1 = world["A1"]
    huge = {**a1.ids, "template_id": 2**31, "conflict_id": 2**63, "user_id": 2**40}
    for endpoint in ("templates_.preview", "sync.resolve", "merge.merge", "admin.edit_staff"):
        role = "principal" if endpoint != "admin.edit_staff" else "admin"
        client = _client_for(app, a1.users[role])
        method = _methods(app, endpoint)[0]
        with app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **{k: v for k, v in huge.items() if k in
                                       next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint).arguments})
        response = _ask(client, method, url.replace(str(2**31 - 1), str(2**31)), _token(client, True))
        assert response.status_code == 404, (endpoint, url, response.status_code)
