/* Start-up on every page: the page shell (the compact menu on narrow screens and the invitation
 * to install the app on a tablet) and the counters' steppers where a form has them. On a page
 * without the status bar (logged out, the login page) it also registers the service worker, or,
 * right after a logout, removes the leaving user's data. Signed-in pages load the offline client
 * (app.js) beside it; the login page fetches no sync code (docs/performance.md).
 * Everything is an enhancement: without this script the menu still opens and closes (it is a
 * <details>), no invitation is shown and forms post as plain HTML. */

// ---- The page shell --------------------------------------------------------------------
const NARROW = window.matchMedia('(max-width: 40rem)');
const DISMISSED = 'observe.installInvite.dismissed';

/** The menu is a closed <details>; on wider screens CSS shows its links inline through
 * ::details-content (not on a capture page, header class topbar-compact). A browser without that selector gets the menu opened here instead. */
function compactMenu() {
  const menu = document.querySelector('[data-navmenu]');
  if (!menu) return;
  menu.classList.add('navmenu-js');
  // A capture page (the visit form) keeps the menu behind its button at every width.
  const compact = Boolean(menu.closest('.topbar-compact'));
  const narrow = () => compact || NARROW.matches;
  if (!CSS.supports('selector(::details-content)')) {
    const fit = () => { menu.open = !narrow(); };
    fit();
    NARROW.addEventListener('change', fit);
  }
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && narrow() && menu.open) {
      menu.open = false;
      menu.querySelector('summary').focus();
    }
  });
  document.addEventListener('click', (event) => {
    if (narrow() && menu.open && !menu.contains(event.target)) menu.open = false;
  });
}

function installed() {
  return window.matchMedia('(display-mode: standalone)').matches || window.navigator.standalone === true;
}

function remembered() {
  try { return window.localStorage.getItem(DISMISSED) === '1'; } catch { return true; }
}

function remember() {
  try { window.localStorage.setItem(DISMISSED, '1'); } catch { /* private mode: ask again next time */ }
}

/** iPadOS reports itself as a Mac; touch points tell them apart. */
function isIOS() {
  const ua = navigator.userAgent;
  return /iPad|iPhone|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
}

function isTablet() {
  return window.matchMedia('(pointer: coarse) and (min-width: 600px)').matches || (isIOS() && !/iPhone|iPod/.test(navigator.userAgent));
}

/** Invite tablet users to install, explaining why; dismissible and remembered on this device. */
function installInvite() {
  const invite = document.querySelector('[data-install-invite]');
  if (!invite || installed() || remembered() || !isTablet()) return;
  const now = invite.querySelector('[data-install-now]');
  const hide = () => { invite.hidden = true; };
  invite.querySelector('[data-install-dismiss]').addEventListener('click', () => { remember(); hide(); });
  if (isIOS()) {
    invite.querySelector('[data-install-ios]').hidden = false;
  } else {
    invite.querySelector('[data-install-other]').hidden = false;
  }
  invite.hidden = false;
  let deferred = null;
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    deferred = event;
    invite.querySelector('[data-install-other]').hidden = true;
    now.hidden = false;
  });
  now.addEventListener('click', async () => {
    if (!deferred) return;
    deferred.prompt();
    const choice = await deferred.userChoice;
    deferred = null;
    if (choice.outcome === 'accepted') { remember(); hide(); }
  });
  window.addEventListener('appinstalled', () => { remember(); hide(); });
}

// A fault in one enhancement must not keep the others from starting.
for (const enhance of [compactMenu, installInvite]) {
  try { enhance(); } catch (error) { console.error(error); }
}

// Counters' −/+, the timed log's "Add row", conditional items and the interval grid's clock: fetched only
// where a form has such items (form-engine.js enhances on load; without it the fields still work as plain inputs).
if (document.querySelector('[data-form-engine] [data-counter], [data-form-engine] [data-timed-log], [data-form-engine] [data-show-if-item], [data-form-engine] [data-interval-grid]')) {
  import('./form-engine.js').catch((error) => console.error(error));
}


// ---- Pages without the offline client ------------------------------------------------------
if (!document.getElementById('sync-status')) {
  const loggedOut = document.querySelector('[data-purge-user]');
  if (loggedOut) {
    // The page right after a logout: remove that user's own data from the device, then move on.
    import('./purge.js').then(({ purgeAndMoveOn }) => purgeAndMoveOn(loggedOut)).catch((error) => console.error(error));
  } else if ('serviceWorker' in navigator) {
    // The worker keeps the app installable and its files cached; an update waits for a signed-in page.
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error) => console.error(error));
  }
}
