#!/usr/bin/python3
"""A minimal WebKitGTK browser for WebKitWebDriver that KEEPS its data between runs.

Debian's MiniBrowser in automation mode uses an ephemeral profile, so closing and reopening
it loses IndexedDB, the service worker and cookies: a browser restart could not be tested.
This one stores everything under `--data-dir` (given in the capabilities' browserOptions.args).
It is run by the system /usr/bin/python3 (python3-gi, gir1.2-webkit2-4.1), not by the venv.

With OBSERVE_TEST_CLOCK_OFFSET_MS in its environment (set by tests/conftest.py when
OBSERVE_TEST_TODAY moves the run's clock) every page's Date runs that far ahead, as
Playwright's clock does for Chromium: the device and the server agree on the day.
"""
import argparse
import os
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402  (after require_version, as PyGObject needs)

# Date.now() and new Date() moved by a fixed offset; dates built from their parts stay as given.
MOVED_DATE = """(() => {
  const offset = %d, RealDate = Date;
  class MovedDate extends RealDate {
    constructor(...args) { if (args.length) super(...args); else super(RealDate.now() + offset); }
    static now() { return RealDate.now() + offset; }
  }
  globalThis.Date = MovedDate;
})();"""


def content_manager() -> WebKit2.UserContentManager:
    manager = WebKit2.UserContentManager()
    offset = int(os.environ.get("OBSERVE_TEST_CLOCK_OFFSET_MS") or 0)
    if offset:
        manager.add_script(WebKit2.UserScript.new(
            MOVED_DATE % offset, WebKit2.UserContentInjectedFrames.ALL_FRAMES,
            WebKit2.UserScriptInjectionTime.START, None, None))
    return manager


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--automation", action="store_true")  # accepted for MiniBrowser compatibility
    options, _ = parser.parse_known_args()
    data = os.path.abspath(options.data_dir)
    os.makedirs(data, exist_ok=True)
    manager = WebKit2.WebsiteDataManager(base_data_directory=os.path.join(data, "data"),
                                         base_cache_directory=os.path.join(data, "cache"))
    manager.get_cookie_manager().set_persistent_storage(os.path.join(data, "cookies.sqlite"),
                                                        WebKit2.CookiePersistentStorage.SQLITE)
    context = WebKit2.WebContext.new_with_website_data_manager(manager)
    context.set_automation_allowed(True)
    windows = []

    def new_view(_session):
        view = WebKit2.WebView(web_context=context, user_content_manager=content_manager(),
                               is_controlled_by_automation=True)
        window = Gtk.Window()
        window.set_default_size(1024, 768)
        window.add(view)
        window.show_all()
        windows.append(window)
        view.connect("close", lambda _view: window.destroy())
        return view

    def automation_started(_context, session):
        info = WebKit2.ApplicationInfo()
        info.set_name("ObserveTestBrowser")
        info.set_version(1, 0, 0)
        session.set_application_info(info)
        session.connect("create-web-view", new_view)

    context.connect("automation-started", automation_started)
    Gtk.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
