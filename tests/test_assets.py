"""Static files carry a content hash in their URL and are cached for a year; responses are compressed."""
from __future__ import annotations

import re

from flask import url_for

from observe.assets import file_hash


def test_static_urls_carry_the_file_hash(app):
    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
    assert re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]{12}", url)
    assert url.endswith(file_hash(app.static_folder, "css/app.css"))


def test_hashed_static_is_cached_for_a_year_and_stale_hash_revalidates(app, client):
    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
    with client.get(url) as fresh:
        assert fresh.status_code == 200
        assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with client.get("/static/css/app.css?v=000000000000") as stale:
        assert stale.headers["Cache-Control"] == "no-cache"


def test_pages_and_static_text_are_compressed(app, client):
    with app.test_request_context():
        css = url_for("static", filename="css/app.css")
    for path in ("/login", css):
        with client.get(path, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.headers.get("Content-Encoding") == "gzip", path
            assert "Accept-Encoding" in response.headers.get("Vary", "")
