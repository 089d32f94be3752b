"""Static files: content-hashed URLs cached for a year, and compressed responses.

`url_for('static', filename=...)` gains `?v=<hash of the file>`, so a changed file
gets a new URL and an unchanged one stays cached in the browser (and in the service
worker's precache) for good. JavaScript is served minified (rjsmin; the sources keep
their comments, we have no build step) unless the app runs in debug mode. Pages, JSON
and static text are gzip/brotli-compressed by Flask-Compress.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import rjsmin
from flask import Flask, request
from flask_compress import Compress

compress = Compress()
YEAR = 365 * 24 * 3600
_hashes: dict[str, tuple[int, int, str]] = {}
_minified: dict[tuple[str, str], bytes] = {}  # (file, content hash): the same in every process


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


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
        "application/manifest+json", "image/svg+xml", "text/calendar", "text/csv",
    ])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("OBSERVE_MINIFY_JS", not app.debug)
    compress.init_app(app)

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
        if request.endpoint == "static" and response.status_code in (200, 304):
            if request.args.get("v") and request.args["v"] == file_hash(app.static_folder, request.view_args["filename"]):
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"  # revalidate un-hashed or stale URLs
        return response
