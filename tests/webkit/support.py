"""WebKitGTK (Safari's engine family) driven through WebKitWebDriver and Selenium.

- A virtual screen: Xvfb, started by the tests (`-displayfd` picks a free display).
- The browser: tests/webkit/browser.py, a small PyGObject WebKitGTK program run by the system
  /usr/bin/python3 (python3-gi, gir1.2-webkit2-4.1) with a persistent data directory, given to
  WebKitWebDriver as the binary: Debian's MiniBrowser keeps nothing between automation sessions,
  so closing and reopening the browser could not be tested with it.
- The network: Playwright's routing does not exist here, so the browser talks to the live server
  through a local TCP relay the test switches off (connections refused and cut) and on again.
"""
from __future__ import annotations

import os
import socket
import subprocess
import threading
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from selenium.webdriver.webkitgtk.options import Options
from selenium.webdriver.webkitgtk.service import Service

from tests.conftest import PASSWORD

DRIVER = "/usr/bin/WebKitWebDriver"
SYSTEM_PYTHON = "/usr/bin/python3"  # has gi; the venv does not need it
BROWSER = Path(__file__).with_name("browser.py")
TIMEOUT = 30  # seconds; generous for a loaded CI machine, never a sleep


def start_xvfb() -> tuple[subprocess.Popen, str]:
    read, write = os.pipe()
    process = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                               pass_fds=[write], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        display = pipe.readline().strip()
    if not display:
        process.kill()
        raise RuntimeError("Xvfb did not start (is the xvfb package installed? make test installs it on Debian)")
    return process, f":{display}"


def open_browser(profile: Path, display: str) -> webdriver.Remote:
    """A WebKitGTK browser keeping its data (IndexedDB, service worker, cookies) in `profile`."""
    options = Options()
    options.binary_location = SYSTEM_PYTHON
    options.add_argument(str(BROWSER))
    options.add_argument(f"--data-dir={profile}")
    options.set_capability("browserName", "ObserveTestBrowser")  # the name browser.py reports
    service = Service(executable_path=DRIVER, env={**os.environ, "DISPLAY": display})
    driver = WebKitDriver(options, service)
    driver.set_window_size(1024, 768)
    return driver


class WebKitDriver(webdriver.Remote):
    """Selenium's own webdriver.WebKitGTK passes the server address in a way Selenium itself
    deprecates (a DeprecationWarning, an error under our filterwarnings); the same, without it."""

    def __init__(self, options: Options, service: Service):
        self.service = service
        service.start()
        try:
            connection = RemoteConnection(client_config=ClientConfig(remote_server_addr=service.service_url))
            super().__init__(command_executor=connection, options=options)
        except Exception:
            service.stop()
            raise

    def quit(self):
        try:
            super().quit()
        finally:
            self.service.stop()


class Relay:
    """localhost:<port> → the live server, switchable like a network cable."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connected = True
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def off(self):
        with self.lock:
            self.connected = False
            for sock in self.open:  # cut kept-alive connections too
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.open.clear()

    def on(self):
        with self.lock:
            self.connected = True

    def close(self):
        self.closing = True
        self.off()
        self.listener.close()

    def _accept(self):
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if not self.connected:
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    client.close()  # a reset: the browser sees a network error at once
                    continue
                try:
                    upstream = socket.create_connection(("127.0.0.1", self.target_port))
                except OSError:
                    client.close()
                    continue
                self.open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.close()
                except OSError:
                    pass
            with self.lock:
                self.open.discard(source)
                self.open.discard(sink)


# --- the same steps as tests/pwa/e2e_support.py, in Selenium ---------------------------------

def wait_for(driver, css: str, timeout: float = TIMEOUT):
    return WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, css) and d.find_element(By.CSS_SELECTOR, css))


def wait_url(driver, url: str, timeout: float = TIMEOUT):
    WebDriverWait(driver, timeout).until(lambda d: d.current_url == url)


def wait_state(driver, state: str):
    wait_for(driver, f"#sync-status[data-state={state}]")


def wait_form(driver):
    wait_for(driver, "form[data-offline-ready]")


def wait_saved_on_device(driver):
    wait_for(driver, "form[data-offline-ready]:not([data-saving])")


def login(driver, base: str, user, password: str = PASSWORD):
    """Log in through the form and wait until the device says it is ready to work offline."""
    driver.get(f"{base}/login")
    driver.find_element(By.ID, "email").send_keys(user.email)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_elements(By.CSS_SELECTOR, "form button[type=submit]")[-1].click()
    wait_url(driver, f"{base}/")
    wait_for(driver, "html[data-offline-ready]")


def walkthrough_offline(webkit, network, user):
    """A browser logged in as `user`, cut off from the network, on a new walkthrough form from the device."""
    browser = webkit.open()
    login(browser, network.url, user)
    network.off()
    browser.get(f"{network.url}/visits/new/spontaneous?teacher=anonymous")
    wait_form(browser)
    return browser


def type_into(driver, css: str, text: str):
    driver.find_element(By.CSS_SELECTOR, css).send_keys(text)
    wait_saved_on_device(driver)


def value_of(driver, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).get_property("value")


def device_databases(driver) -> dict[str, int]:
    """{"observe-u<id>": records waiting in its outbox} for every user database on the device."""
    from tests.pwa.e2e_support import DEVICE_DATABASES_JS

    return driver.execute_async_script(
        f"const done = arguments[arguments.length - 1]; ({DEVICE_DATABASES_JS})().then(done, (e) => done(String(e)));")
