"""Static files: content-hashed URLs cached for a year, and compressed responses.

`url_for('static', filename=...)` gains `?v=<hash of the file>`, so a changed file
gets a new URL and an unchanged one stays cached in the browser (and in the service
worker's precache) for good. JavaScript is served minified (rjsmin; the sources keep
their comments, we have no build step) unless the app runs in debug mode. Pages and JSON
are gzip/brotli-compressed by Flask-Compress on the fly. Static text files are compressed once
per version of the file at the highest levels (brotli 11, gzip 9) and served in whichever
accepted encoding is smaller: for small files Flask-Compress's brotli 4 came out larger than
its gzip 6 (issue 19).
"""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from urllib.parse import quote

import brotli

import rjsmin
from flask import Flask, Response, current_app, request, url_for
from flask_compress import Compress

from . import bundles

compress = Compress()
YEAR = 365 * 24 * 3600
_hashes: dict[str, tuple[int, int, str]] = {}
_minified: dict[tuple[str, str], bytes] = {}  # (file, content hash): the same in every process
_inline: dict[tuple[str, str], str] = {}
_encoded: dict[tuple[str, str], list[tuple[str, bytes]]] = {}  # (file, hash of the body): [(encoding, body)], smallest first


def file_hash(static_folder: str, filename: str) -> str | None:
    path = Path(static_folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    cached = _hashes.get(filename)
    if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    _hashes[filename] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def minified_js(static_folder: str, filename: str, source: bytes) -> bytes:
    """`source` without comments and spare whitespace, computed once per version of the file."""
    key = (filename, file_hash(static_folder, filename) or "")
    if key not in _minified:
        _minified[key] = rjsmin.jsmin(source.decode("utf-8")).encode("utf-8")
    return _minified[key]


def icon_data_uri(static_folder: str) -> str:
    """The favicon inline (a data: URI, ~0.3 KB): one request less on every page. Chromium
    fetched icons/icon.svg twice on a first load, for the tab and for the manifest's icons;
    the manifest still names the file."""
    path = Path(static_folder) / "icons" / "icon.svg"
    key = ("icons/icon.svg", file_hash(static_folder, "icons/icon.svg") or "")
    if key not in _inline:
        svg = " ".join(path.read_text(encoding="utf-8").split())
        _inline[key] = "data:image/svg+xml," + quote(svg, safe="/:=,;'()")
    return _inline[key]


def encodings(filename: str, data: bytes) -> list[tuple[str, bytes]]:
    """The file's body in each encoding that makes it smaller, smallest first; computed once
    per version of the body (brotli at quality 11 takes ~10 ms for our largest script)."""
    key = (filename, hashlib.sha256(data).hexdigest())
    if key not in _encoded:
        options = [("br", brotli.compress(data, mode=brotli.MODE_TEXT, quality=11)),
                   ("gzip", gzip.compress(data, compresslevel=9, mtime=0))]
        _encoded[key] = sorted((pair for pair in options if len(pair[1]) < len(data)), key=lambda pair: len(pair[1]))
    return _encoded[key]


def accepted(encoding: str) -> bool:
    """Whether the request's Accept-Encoding takes `encoding` (an explicit q=0 refuses it)."""
    return request.accept_encodings[encoding] > 0


def encode_static(app: Flask, response, data: bytes) -> None:
    """Put the smallest encoding of a static text file the client accepts in `response`."""
    filename = request.view_args["filename"]
    if response.mimetype not in app.config["COMPRESS_MIMETYPES"] or len(data) < app.config["COMPRESS_MIN_SIZE"]:
        return
    response.vary.add("Accept-Encoding")
    for encoding, body in encodings(filename, data):
        if accepted(encoding):
            response.set_data(body)
            response.headers["Content-Encoding"] = encoding  # Flask-Compress leaves it alone
            etag, weak = response.get_etag()
            if etag:
                response.set_etag(f"{etag}:{encoding}", weak=weak)
                response.make_conditional(request)  # a revalidation of this encoding answers 304
            return


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
        "application/manifest+json", "image/svg+xml", "text/calendar", "text/csv",
    ])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("OBSERVE_MINIFY_JS", not app.debug)
    compress.init_app(app)
    app.add_template_global(lambda: icon_data_uri(app.static_folder), "favicon_uri")
    app.add_template_global(bundle_url)
    # Next to the modules it is made of, so the imports it leaves to the browser (bundles.EXTERNAL)
    # resolve as in the sources. A more specific rule than /static/<path:filename>, so it wins.
    app.add_url_rule("/static/js/<bundle>.bundle.js", "bundle", lambda bundle: serve_bundle(app, bundle))

    @app.url_defaults
    def _hashed_static(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = file_hash(app.static_folder, values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def _static_caching(response):
        # Runs before Flask-Compress's hook (registered earlier, so run later). Flask-Compress
        # compresses streamed responses only with br/zstd/deflate, which browsers send over
        # HTTPS only; our static files are small, so read them into memory and let them take
        # the ordinary gzip/br path.
        if request.endpoint == "static" and response.status_code == 200 and response.is_streamed:
            body = response.response
            data = b"".join(body)
            body.close()
            response.direct_passthrough = False
            if app.config["OBSERVE_MINIFY_JS"] and request.view_args["filename"].endswith(".js"):
                data = minified_js(app.static_folder, request.view_args["filename"], data)
            response.set_data(data)
            encode_static(app, response, data)
        if request.endpoint == "static" and response.status_code in (200, 304):
            if request.args.get("v") and request.args["v"] == file_hash(app.static_folder, request.view_args["filename"]):
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"  # revalidate un-hashed or stale URLs
        return response


def bundle_url(name: str) -> str:
    """The URL of a bundle of static/js (observe/bundles.py), with the hash of its content."""
    return url_for("bundle", bundle=name, v=bundles.bundle(current_app.static_folder, name).digest)


def serve_bundle(app: Flask, name: str):
    if name not in bundles.BUNDLES:
        return Response("Not found", status=404, mimetype="text/plain")
    built = bundles.bundle(app.static_folder, name)
    data = built.source
    if app.config["OBSERVE_MINIFY_JS"]:
        key = (f"{name}.bundle.js", built.digest)
        if key not in _minified:
            _minified[key] = rjsmin.jsmin(data.decode("utf-8")).encode("utf-8")
        data = _minified[key]
    response = Response(data, mimetype="text/javascript")
    response.set_etag(built.digest)
    response.vary.add("Accept-Encoding")
    if request.args.get("v") == built.digest:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    for encoding, body in encodings(f"{name}.bundle.js", data):
        if accepted(encoding):
            response.set_data(body)
            response.headers["Content-Encoding"] = encoding  # Flask-Compress leaves it alone
            response.set_etag(f"{built.digest}:{encoding}")
            break
    return response.make_conditional(request)
