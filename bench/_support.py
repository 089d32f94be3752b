"""Shared by the browser benchmarks: a fresh demo database served by gunicorn, and a logged-in page.

Not a benchmark itself (`make bench` runs bench/[!_]*.py). The app runs as in production
(OBSERVE_ENV=production, compression, hashed static URLs) but over plain HTTP on a free
local port, so the browser figures are what a tablet would download.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO_PRINCIPAL = "rektor@demo.observe"
DEMO_PASSWORD = "demo1234"
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> str:
    """The machine's load average, printed next to every figure (the machine may be shared)."""
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


@contextlib.contextmanager
def demo_server(prepare=None, workers: int = 2):
    """Yield the base URL of gunicorn serving a fresh SQLite demo database.

    `prepare(app)` runs inside an app context after the demo is loaded (e.g. to add a
    bench-only template); its return value is yielded as the second item.
    """
    workdir = Path(tempfile.mkdtemp(prefix="observe-bench-"))
    url = f"sqlite:///{workdir / 'bench.sqlite'}"
    env = {**os.environ, "OBSERVE_DATABASE_URL": url, "OBSERVE_ENV": "production", "OBSERVE_HTTPS": "0",
           "OBSERVE_DEMO": "0", "OBSERVE_SECRET_KEY": "bench-" + "x" * 40,
           "OBSERVE_LOGIN_MAX_FAILURES_IP": "100000"}
    process = None
    try:
        extra = _seed(env, workdir, prepare)
        port = free_port()
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "--threads", "4", "-k", "gthread",
             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "observe:create_app()"],
            env=env, cwd=str(ROOT))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start")
                time.sleep(0.2)
        def stop() -> None:
            """Take the server away (the tablet's network is gone)."""
            process.terminate()
            process.wait(timeout=15)

        yield base, extra, stop
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def _seed(env: dict, workdir: Path, prepare):
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        sys.path.insert(0, str(ROOT))
        from flask_migrate import upgrade

        from observe import create_app
        from observe.demo import load_demo
        from observe.extensions import db

        app = create_app(instance_path=str(workdir / "instance"))
        with app.app_context():
            upgrade()
            load_demo()
            extra = prepare(app) if prepare else None
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        return extra
    finally:
        os.environ.clear()
        os.environ.update(saved)


def login(page, base: str, email: str = DEMO_PRINCIPAL, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    if "/login" in page.url:
        raise RuntimeError("login failed")


def launch(playwright, **kwargs):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, **kwargs)


FORM_READY = "form[data-offline-ready]"


def open_form(playwright, base: str, path: str):
    """Chromium at tablet size, logged in (offline pages saved), on the form at `path`: (browser, context, page)."""
    browser = launch(playwright)
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    login(page, base)
    page.wait_for_selector("html[data-offline-ready]", state="attached", timeout=60_000)
    page.goto(base + path)
    page.wait_for_selector(FORM_READY, state="attached", timeout=60_000)
    return browser, context, page
