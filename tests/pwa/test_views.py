"""The service worker script, its precache list and the pages the offline client relies on."""
from __future__ import annotations

import json
import re

from observe.auth.models import Role
from observe.extensions import db
from observe.visits.models import Visit, VisitStatus

CONFIG_RE = re.compile(r"const OBSERVE = (\{.*?\});", re.S)


def worker_config(response) -> dict:
    match = CONFIG_RE.search(response.get_data(as_text=True))
    assert match, "the worker starts with its generated config"
    return json.loads(match.group(1))


def test_worker_is_served_at_root_and_always_revalidated(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert "addEventListener('install'" in body and "function precacheAll" in body  # wiring + strategies


def test_precache_holds_the_app_shell_and_every_url_in_it_answers(client):
    config = worker_config(client.get("/sw.js"))
    paths = {url.partition("?")[0] for url in config["precache"]}
    for path in ("/static/css/app.css", "/static/js/app.js", "/static/js/store.js", "/static/js/outbox.js",
                 "/static/icons/icon.svg", "/offline", "/manifest.webmanifest"):
        assert path in paths
    # cache.addAll is all-or-nothing: one missing file would make every install fail.
    for url in config["precache"]:
        with client.get(url) as response:
            assert response.status_code == 200, url
    assert config["offlineUrl"] == "/offline"


def test_same_files_same_worker_and_a_new_build_a_new_cache_name(app, client):
    first = client.get("/sw.js").get_data()
    assert client.get("/sw.js").get_data() == first  # no spurious update prompts
    version = worker_config(client.get("/sw.js"))["version"]
    app.config["OBSERVE_BUILD_SALT"] = "deploy-2"
    try:
        changed = worker_config(client.get("/sw.js"))["version"]
    finally:
        app.config.pop("OBSERVE_BUILD_SALT")
    assert changed != version
    assert worker_config(client.get("/sw.js"))["version"] == version


def test_only_the_walkthrough_form_is_kept_once_per_template(client):
    """`?template=` makes another saved page on the walkthrough form only (the insights dashboard's
    template filter still shows its one saved copy)."""
    config = worker_config(client.get("/sw.js"))
    assert config["pageKeyParams"] == {r"^/visits/new/spontaneous/?$": ["template"]}


def test_worker_never_activates_itself(client):
    body = client.get("/sw.js").get_data(as_text=True)
    calls = [line.strip() for line in body.splitlines() if "skipWaiting()" in line and not line.strip().startswith("//")]
    assert calls == ["event.waitUntil(self.skipWaiting());"]
    assert "data.type === 'skip-waiting'" in body


def test_offline_page_is_generic(client):
    response = client.get("/offline")
    assert response.status_code == 200
    assert "You are offline" in response.get_data(as_text=True)
    assert 'id="sync-status"' not in response.get_data(as_text=True)  # cached for anyone: no user data


def test_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    body = response.get_json()
    assert body["start_url"] == "/" and body["scope"] == "/" and body["display"] == "standalone"
    with client.get(body["icons"][0]["src"]) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_offline_pages_need_login(client):
    response = client.get("/offline-pages.json")
    assert response.status_code in (302, 401)


def test_offline_pages_list_home_start_and_own_open_visits(client, login_as, principal, make_user, school,
                                                          walkthrough):
    other = make_user(Role.PRINCIPAL)
    mine = Visit(school_id=school.id, kind="planned", status=VisitStatus.PLANNED, observer_id=principal.id,
                 template_version_id=walkthrough.id)
    theirs = Visit(school_id=school.id, kind="planned", status=VisitStatus.PLANNED, observer_id=other.id,
                   template_version_id=walkthrough.id)
    done = Visit(school_id=school.id, kind="spontaneous", status=VisitStatus.COMPLETED, observer_id=principal.id,
                 template_version_id=walkthrough.id)
    db.session.add_all([mine, theirs, done])
    db.session.commit()
    login_as(principal)
    response = client.get("/offline-pages.json")
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["user"] == principal.id
    assert "/" in body["urls"] and "/visits/new/spontaneous" in body["urls"]
    assert f"/visits/{mine.uuid}/observe" in body["urls"]
    assert not any(str(theirs.uuid) in url or str(done.uuid) in url for url in body["urls"])


def test_offline_pages_list_own_finished_visits_whose_feedback_is_still_written(client, login_as, principal,
                                                                              make_user, school, walkthrough):
    """The visit page carries the feedback draft form: kept offline until the feedback is shared."""
    from observe.feedback.models import Feedback

    teacher = make_user(Role.TEACHER)
    other = make_user(Role.PRINCIPAL)

    def finished(observer=principal, kind="spontaneous", teacher_id=teacher.id, feedback=None):
        visit = Visit(school_id=school.id, kind=kind, status=VisitStatus.COMPLETED, observer_id=observer.id,
                      teacher_id=teacher_id, template_version_id=walkthrough.id)
        db.session.add(visit)
        db.session.flush()
        if feedback:
            db.session.add(Feedback(school_id=school.id, visit_id=visit.id, author_id=observer.id, status=feedback,
                                    strengths=[]))
        return visit

    no_feedback, draft = finished(), finished(feedback="draft")
    shared, anonymous = finished(feedback="shared"), finished(teacher_id=None)
    peer, theirs = finished(kind="peer"), finished(observer=other)
    db.session.commit()
    login_as(principal)
    urls = client.get("/offline-pages.json").get_json()["urls"]
    assert f"/visits/{no_feedback.uuid}" in urls and f"/visits/{draft.uuid}" in urls
    assert not any(str(v.uuid) in url for v in (shared, anonymous, peer, theirs) for url in urls)
    assert f"/visits/{no_feedback.uuid}/observe" not in urls  # finished: only its page, for the feedback


def test_visit_page_exposes_the_feedback_record_to_the_offline_client(client, login_as, principal, make_user,
                                                                       school, walkthrough):
    """uuid, visit and base revision of the draft, so a change made offline syncs as a `feedback` record."""
    from observe.feedback.models import Feedback

    teacher = make_user(Role.TEACHER)
    visit = Visit(school_id=school.id, kind="spontaneous", status=VisitStatus.COMPLETED, observer_id=principal.id,
                  teacher_id=teacher.id, template_version_id=walkthrough.id)
    db.session.add(visit)
    db.session.commit()
    login_as(principal)
    html = client.get(f"/visits/{visit.uuid}").get_data(as_text=True)
    form = re.search(r'<form [^>]*data-offline-form="feedback"[^>]*>(.*?)</form>', html, re.S).group(1)
    assert '<input type="hidden" name="uuid" value="">' in form  # no feedback yet: the device picks one
    assert f'name="visit_uuid" value="{visit.uuid}"' in form and 'name="base_revision" value="0"' in form

    feedback = Feedback(school_id=school.id, visit_id=visit.id, author_id=principal.id, status="draft",
                        strengths=[], revision=3)
    db.session.add(feedback)
    db.session.commit()
    html = client.get(f"/visits/{visit.uuid}").get_data(as_text=True)
    assert f'name="uuid" value="{feedback.uuid}"' in html and 'name="base_revision" value="3"' in html


def test_stand_in_for_a_visit_page_the_device_never_saved(client, login_as, principal):
    """A visit finished offline has no server page: the worker serves this user's stand-in instead."""
    assert client.get("/offline/visit").status_code in (302, 401)
    login_as(principal)
    response = client.get("/offline/visit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "data-offline-visit-missing" in html
    assert re.search(r'<div data-offline-visit hidden>.*<form [^>]*data-offline-form="feedback"', html, re.S)
    assert "/offline/visit" in client.get("/offline-pages.json").get_json()["urls"]
    assert worker_config(client.get("/sw.js"))["visitShellUrl"] == "/offline/visit"


def test_status_bar_and_client_script_on_every_page_of_a_logged_in_user(client, login_as, principal):
    login_as(principal)
    html = client.get("/").get_data(as_text=True)
    assert f'data-user-id="{principal.id}"' in html
    assert 'aria-live="polite"' in html
    assert "Download my unsynced data" in html
    assert re.search(r'<section class="sync-bar" id="sync-status"[^>]*>', html).group(0).count(" hidden") == 0
    # shell.js, app.js and the modules they import: one request, not eleven (issue 19)
    scripts = re.findall(r'<script type="module"[^>]* src="([^"]+)">', html)
    assert len(scripts) == 1 and re.fullmatch(r"/static/js/app\.bundle\.js\?v=\w{12}", scripts[0]), scripts
    form = client.get("/visits/new").get_data(as_text=True)  # a visit page: its own script in its bundle
    assert re.findall(r'<script type="module"[^>]* src="(/static/js/\w+\.bundle\.js)\?', form) == ["/static/js/visits.bundle.js"]
    assert "/static/js/visits.js" not in form
    assert "modulepreload" not in html


def test_no_status_bar_before_login(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'id="sync-status"' not in html
    assert re.search(r'<script type="module" src="/static/js/shell\.js(\?v=\w+)?">', html)  # registers the worker
    for module in ("app", "store", "sync", "outbox", "status", "app.bundle"):  # no sync code before login (issue 19)
        assert f"/static/js/{module}.js" not in html, module


def test_the_favicon_is_in_the_page_and_the_manifest_names_the_file(client):
    """Chromium fetched icons/icon.svg twice on a first load (tab and manifest); inline, once."""
    from urllib.parse import unquote

    html = client.get("/login").get_data(as_text=True)
    uri = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
    assert uri.startswith("data:image/svg+xml,") and "#" not in uri
    assert 'fill="#0b5cad"' in unquote(uri.replace("&#39;", "'"))
    icons = client.get("/manifest.webmanifest").get_json()["icons"]
    assert icons[0]["src"].startswith("/static/icons/icon.svg")


def test_revalidated_static_file_is_closed(client):
    """The worker and the browser revalidate static files; a 304 must not leak an open file."""
    import gc
    import warnings

    with client.get("/static/icons/icon.svg") as first:
        etag = first.headers["ETag"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client.get("/static/icons/icon.svg", headers={"If-None-Match": etag})
        assert response.status_code == 304
        del response
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_pages_the_worker_saves_leave_the_users_message_for_the_next_page(client, login_as, admin_user):
    """The worker saves offline pages in the background right after a navigation; if those
    fetches rendered the flashed message ("2 staff members were imported."), the page the
    user actually opens would arrive without it, and the saved copy would show it again offline."""
    login_as(admin_user)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "2 staff members were imported.")]
    warmed = client.get("/", headers={"X-Observe-Warm": "1"}).get_data(as_text=True)
    assert "imported" not in warmed
    assert "2 staff members were imported." in client.get("/").get_data(as_text=True)
    assert "imported" not in client.get("/").get_data(as_text=True)  # shown once, then gone
    assert "'X-Observe-Warm': '1'" in client.get("/sw.js").get_data(as_text=True)  # the worker marks them
