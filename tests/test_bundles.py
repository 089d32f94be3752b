"""The signed-in pages' scripts as one file built by the server from static/js (issue 19)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from observe import bundles

STATIC_JS = Path(__file__).resolve().parent.parent / "static" / "js"
SYNC_CODE = ("app.js", "i18n.js", "store.js", "sync.js", "outbox.js", "status.js", "offline-form.js", "field-errors.js",
             "feedback-form.js", "purge.js", "shell.js")


def test_the_bundle_is_every_module_shell_and_app_reach_except_the_form_engine():
    built = bundles.build(STATIC_JS, "app", bundles.BUNDLES["app"])
    assert set(built.modules) == set(SYNC_CODE)
    assert "form-engine.js" not in built.modules  # designer.js imports it too: one instance, by its URL
    text = built.source.decode()
    assert "import('./form-engine.js')" in text
    assert not re.search(r"^\s*(import|export)\b(?!\s*\()", text, re.M)
    visits = bundles.build(STATIC_JS, "visits", bundles.BUNDLES["visits"])  # the visit pages add their own script
    assert set(visits.modules) == set(SYNC_CODE) | {"visits.js"}


def test_each_module_in_the_bundle_exports_what_its_source_exports():
    built = bundles.build(STATIC_JS, "app", bundles.BUNDLES["app"]).source.decode()
    for module in SYNC_CODE:
        source = (STATIC_JS / module).read_text(encoding="utf-8")
        exported = set(re.findall(r"^export\s+(?:async\s+)?(?:function\*?|class|const)\s+([\w$]+)", source, re.M))
        if re.search(r"^export default", source, re.M):
            exported.add("default")
        section = built.split(f"__defs[{module!r}] = () => {{\n", 1)[1].split("\n__defs[", 1)[0]
        returned = re.search(r"\nreturn \{ (.*) \};\n\};", section).group(1)
        names = {part.split(":")[0].strip() for part in returned.split(",") if part.strip()}
        assert names == exported, module


def test_the_bundle_is_rebuilt_when_a_source_changes(tmp_path):
    folder = tmp_path / "static"
    shutil.copytree(STATIC_JS, folder / "js")
    before = bundles.bundle(str(folder), "app")
    assert bundles.bundle(str(folder), "app") is before  # unchanged sources: built once
    store = folder / "js" / "store.js"
    store.write_text(store.read_text(encoding="utf-8") + "\n// changed\n", encoding="utf-8")
    after = bundles.bundle(str(folder), "app")
    assert after.digest != before.digest and b"// changed" in after.source


def test_an_import_the_bundler_cannot_rewrite_is_refused_with_the_line(tmp_path):
    (tmp_path / "a.js").write_text("import * as b from './b.js';\n", encoding="utf-8")
    (tmp_path / "b.js").write_text("export const x = 1;\n", encoding="utf-8")
    with pytest.raises(bundles.BundleError, match=r"a\.js: .*import \* as b"):
        bundles.build(tmp_path, "t", ("a.js",))


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_bundle_runs_modules_once_in_import_order_and_dynamic_imports_lazily(tmp_path):
    (tmp_path / "main.js").write_text(
        "import { count, bump } from './counter.js';\n"
        "import { twice as two } from './twice.js';\n"
        "bump(); console.log('main', count(), two());\n"
        "import('./later.js').then((m) => console.log('later', m.default, m.value));\n", encoding="utf-8")
    (tmp_path / "counter.js").write_text(
        "console.log('counter runs');\nlet n = 0;\nexport function bump() { n += 1; }\n"
        "export const count = () => n;\n", encoding="utf-8")
    (tmp_path / "twice.js").write_text(
        "import { count, bump } from './counter.js';\nexport function twice() { bump(); return count() * 2; }\n",
        encoding="utf-8")
    (tmp_path / "later.js").write_text("console.log('later runs');\nexport const value = 7;\nexport default 'd';\n",
                                       encoding="utf-8")
    built = bundles.build(tmp_path, "t", ("main.js",))
    script = tmp_path / "bundle.mjs"
    script.write_bytes(built.source)
    out = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=30, check=True).stdout
    assert out.splitlines() == ["counter runs", "main 1 4", "later runs", "later d 7"]


def test_the_bundle_is_served_compressed_cached_for_good_and_precached_by_the_worker(app, client, login_as, principal):
    login_as(principal)
    html = client.get("/").get_data(as_text=True)
    url = re.search(r'<script type="module"[^>]* src="(/static/js/app\.bundle\.js\?v=\w+)">', html).group(1)
    response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Content-Encoding"] in ("br", "gzip")
    assert "immutable" in response.headers["Cache-Control"]
    again = client.get(url, headers={"Accept-Encoding": "gzip, br", "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    worker = client.get("/sw.js").get_data(as_text=True)
    assert f'"{url}"' in worker
    assert client.get("/static/js/nothing.bundle.js").status_code == 404
