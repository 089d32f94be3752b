"""Using Observe without a mouse, on a phone, zoomed in, on a touch tablet: what axe cannot see.

Keyboard only through the visit form (rating and counter by keys, visible focus), the sync
status announced through a live region, 44×44 px touch targets, no sideways scrolling at
200 % zoom, the compact phone menu (also without JavaScript), reduced motion and the
install invitation on a tablet."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.visits.models import Visit, VisitKind, VisitStatus
from tests.a11y.browser import demo, sign_in  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e
PRINCIPAL, TEACHER = "rektor@demo.observe", "larare1@demo.observe"
TARGET = 44  # CSS px


@pytest.fixture
def browser_context_args(browser_context_args):
    """No service worker: it would keep fetching this user's offline pages after a test ends,
    holding the database while the next test loads the demo (area E tests the worker)."""
    return {**browser_context_args, "service_workers": "block"}


def planned_visit_form(email: str = PRINCIPAL) -> str:
    """The observation form of a planned visit (template A2: ratings and counters) this observer may fill in."""
    from observe.auth.models import User

    observer = db.session.scalar(select(User).where(User.email == email))
    visit = db.session.scalars(select(Visit).where(
        Visit.observer_id == observer.id, Visit.kind == VisitKind.PLANNED,
        Visit.status.in_([VisitStatus.PLANNED, VisitStatus.IN_PROGRESS])).order_by(Visit.id)).first()
    assert visit is not None, "the demo has a planned visit for this observer"
    return f"/visits/{visit.uuid}/observe"


def focused(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {name: el.name || '', type: el.type || '', tag: el.tagName, value: el.value,
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
                visible: el.matches(':focus-visible')};
    }""")


def tab_to(page, name: str, limit: int = 400) -> dict:
    """Press Tab until an input called `name` has focus; every stop on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["tag"] == "BODY" or (now["visible"] and now["outline"]), f"focus not visible on {now}"
        if now["name"] == name:
            return now
    raise AssertionError(f"Tab never reached {name}")


def test_visit_form_by_keyboard_alone(live_server, page, demo):
    base = live_server.url
    sign_in(page, base, PRINCIPAL)
    page.goto(base + planned_visit_form())
    page.locator("body").focus()

    tab_to(page, "a.B1")  # the first rating: a radio group, one Tab stop
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    checked = page.eval_on_selector_all("input[name='a.B1']", "els => els.map(e => e.checked)")
    assert checked.count(True) == 1 and checked.index(True) == 1, "arrow keys move the rating"

    counter = tab_to(page, "a.B5")  # the counter: a number field with an accessible name
    assert counter["type"] == "number"
    assert page.locator("input[name='a.B5']").evaluate("el => el.labels.length") == 1
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    assert page.input_value("input[name='a.B5']") == "2"
    # the +1 button next to it is reachable by keyboard too, with a name saying what it counts
    page.keyboard.press("Tab")
    plus = page.evaluate("() => document.activeElement.getAttribute('aria-label') || ''")
    if plus:  # the steppers are JavaScript's addition; a number field works without them
        page.keyboard.press("Enter")
        assert page.input_value("input[name='a.B5']") == "3"


def test_sync_status_is_a_live_region_that_changes(live_server, page, demo):
    base = live_server.url
    sign_in(page, base, PRINCIPAL)
    status = page.locator("#sync-status [data-sync-text]")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    page.locator("#sync-status").wait_for(state="visible")
    before = status.inner_text()
    page.context.set_offline(True)
    page.evaluate("() => window.dispatchEvent(new Event('offline'))")
    page.wait_for_function("([el, text]) => el.textContent !== text", arg=[status.element_handle(), before])
    assert status.inner_text().strip() and status.inner_text() != before
    page.context.set_offline(False)


def small_targets(page) -> list[str]:
    """Visible links, buttons, inputs, selects and summaries smaller than 44×44 px. A checkbox or
    radio counts by its label (the whole label is the target); links inside running text are
    exempt (WCAG 2.5.8 inline exception)."""
    return page.evaluate("""(min) => {
        const out = [];
        for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
            if (el.type === 'hidden' || !el.getClientRects().length) continue;
            const style = getComputedStyle(el);
            if (style.visibility === 'hidden') continue;
            let box = el.getBoundingClientRect();
            if (['checkbox', 'radio'].includes(el.type) && el.closest('label')) box = el.closest('label').getBoundingClientRect();
            if (el.tagName === 'A' && el.closest('p, li.inline, td, figcaption, .muted') && style.display === 'inline') continue;
            if (box.width + 0.5 < min || box.height + 0.5 < min)
                out.push(`${el.tagName.toLowerCase()}[${el.name || el.getAttribute('href') || el.textContent.trim().slice(0, 30)}] ${Math.round(box.width)}×${Math.round(box.height)}`);
        }
        return out;
    }""", TARGET)


@pytest.mark.parametrize("width,height", [(1024, 768), (768, 1024), (1024, 1366), (390, 844)])
def test_touch_targets_are_44px_on_key_pages(live_server, page, demo, width, height):
    base = live_server.url
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, base, PRINCIPAL)
    pages = ["/", "/visits/", "/visits/new", planned_visit_form(), "/insights/", "/feedback/"]
    problems = []
    for path in pages:
        page.goto(base + path)
        if width < 600:
            page.click("[data-navmenu] > summary")
        problems += [f"{path}: {target}" for target in small_targets(page)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width,height", [(1024, 768), (768, 1024), (1366, 1024)])
def test_readable_at_200_percent_zoom(live_server, page, demo, width, height):
    """200 % zoom on a tablet is the layout at half the CSS width: nothing needs sideways scrolling."""
    base = live_server.url
    page.set_viewport_size({"width": width // 2, "height": height // 2})
    sign_in(page, base, PRINCIPAL)
    wide = []
    for path in ["/", "/visits/", "/visits/new", planned_visit_form(), "/insights/", "/feedback/"]:
        page.goto(base + path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 1:
            wide.append(f"{path}: {overflow}px too wide")
    assert not wide, "\n".join(wide)


def menu_links(page) -> list[str]:
    return page.eval_on_selector_all("nav.mainnav a", "links => links.map(a => a.getAttribute('href'))")


def test_phone_menu_is_compact_and_reaches_every_link(live_server, page, demo):
    base = live_server.url
    sign_in(page, base, TEACHER)
    everything = menu_links(page)  # tablet width: the whole menu shows, no Menu button
    assert len(everything) >= 5 and all(page.locator(f"nav.mainnav a[href='{h}']").is_visible() for h in everything)
    assert not page.locator("[data-navmenu] > summary").is_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/")
    summary = page.locator("[data-navmenu] > summary")
    assert summary.is_visible() and not page.locator("nav.mainnav").is_visible()
    assert page.locator("header.topbar").bounding_box()["height"] < 140, "the header leaves room for the page"
    summary.focus()
    page.keyboard.press("Enter")
    assert all(page.locator(f"nav.mainnav a[href='{h}']").is_visible() for h in everything)
    page.keyboard.press("Escape")
    assert not page.locator("nav.mainnav").is_visible()
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"


@pytest.mark.parametrize("width,height", [(390, 844), (1024, 768)])
def test_menu_works_without_javascript(live_server, browser, demo, width, height):
    """A <details> needs no script: on a phone the Menu button opens it, wider screens show it."""
    context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server.url, TEACHER)
        links = menu_links(page)
        if width < 600:
            assert not page.locator("nav.mainnav").is_visible()
            page.click("[data-navmenu] > summary")
        assert len(links) >= 5 and all(page.locator(f"nav.mainnav a[href='{h}']").is_visible() for h in links)
    finally:
        context.close()


def test_reduced_motion_turns_transitions_off(live_server, page):
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/login")
    durations = page.eval_on_selector_all(
        "button, a", "els => els.map(e => parseFloat(getComputedStyle(e).transitionDuration) || 0)")
    assert durations and max(durations) == 0


def test_install_invitation_on_a_touch_tablet_is_dismissed_for_good(live_server, browser, demo):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, is_mobile=True,
                                  service_workers="block")
    try:
        page = context.new_page()
        sign_in(page, live_server.url, PRINCIPAL)
        invite = page.locator("[data-install-invite]")
        invite.wait_for(state="visible")
        assert "installed app" in invite.inner_text()
        page.locator("[data-install-dismiss]").focus()
        page.keyboard.press("Enter")
        assert invite.is_hidden()
        page.reload()
        page.locator("#sync-status").wait_for(state="attached")
        page.wait_for_load_state("load")
        assert invite.is_hidden()
    finally:
        context.close()


def test_no_install_invitation_on_a_desktop(live_server, page, demo):
    sign_in(page, live_server.url, PRINCIPAL)
    page.wait_for_load_state("load")
    assert page.locator("[data-install-invite]").is_hidden()


def test_chromium_finds_the_app_installable(live_server, browser_type, browser_type_launch_args, tmp_path):
    """Chromium's own installability check (manifest, icons, start URL, standalone display).
    A persistent profile, because Chromium never offers installation in an incognito one."""
    context = browser_type.launch_persistent_context(tmp_path / "profile", **browser_type_launch_args)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login", wait_until="load")
        errors = context.new_cdp_session(page).send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
    finally:
        context.close()
