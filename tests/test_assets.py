"""Static files carry a content hash in their URL and are cached for a year; responses are compressed."""
from __future__ import annotations

import re
from pathlib import Path

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


def test_javascript_is_served_minified_with_its_code_intact(app, client):
    """Comments and indentation stay in the sources, not on the wire; the exports are still there."""
    source = (Path(app.static_folder) / "js" / "store.js").read_text(encoding="utf-8")
    with client.get("/static/js/store.js") as response:
        served = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/javascript")
    assert len(served) < 0.8 * len(source)
    assert "/**" in source and "/**" not in served
    assert "export function storeFor" in served and "export function capabilities" in served


def test_debug_mode_serves_javascript_as_written(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OBSERVE_MINIFY_JS", False)
    source = (Path(app.static_folder) / "js" / "store.js").read_bytes()
    with client.get("/static/js/store.js") as response:
        assert response.get_data() == source


def test_a_static_file_comes_in_the_smaller_of_brotli_and_gzip(app, client):
    """Browsers accept both; each file is sent in whichever is smaller (issue 19: Flask-Compress's
    brotli was larger than its gzip for every static file checked), and identical bytes again."""
    import gzip

    import brotli

    with app.test_request_context():
        urls = [url_for("static", filename=name) for name in ("css/app.css", "js/offline-form.js", "js/store.js")]
    for url in urls:
        with client.get(url, headers={"Accept-Encoding": "identity"}) as plain:
            original = plain.get_data()
            assert "Content-Encoding" not in plain.headers
        with client.get(url, headers={"Accept-Encoding": "gzip"}) as gz:
            assert gz.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(gz.get_data()) == original
        with client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"}) as best:
            body = best.get_data()
            encoding = best.headers["Content-Encoding"]
            assert "Accept-Encoding" in best.headers["Vary"]
            assert int(best.headers["Content-Length"]) == len(body)
        assert len(body) <= len(gz.get_data()), url
        assert (brotli.decompress(body) if encoding == "br" else gzip.decompress(body)) == original
        # Smaller than what Flask-Compress's defaults gave before (brotli 4 / gzip 6).
        assert len(body) < min(len(brotli.compress(original, quality=4)), len(gzip.compress(original, 6))), url
        with client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"}) as again:
            assert again.get_data() == body
        with client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd",
                                      "If-None-Match": best.headers["ETag"]}) as revalidated:
            assert revalidated.status_code == 304
