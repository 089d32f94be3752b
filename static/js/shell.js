/* The page shell (area J): the compact menu on narrow screens and the invitation to install
 * the app on a tablet. Both are enhancements: without this script the menu still opens and
 * closes (it is a <details>) and no invitation is shown. */

const NARROW = window.matchMedia('(max-width: 40rem)');
const DISMISSED = 'observe.installInvite.dismissed';

/** The menu is a closed <details>; on wider screens CSS shows its links inline through
 * ::details-content. A browser without that selector gets the menu opened here instead. */
function compactMenu() {
  const menu = document.querySelector('[data-navmenu]');
  if (!menu) return;
  menu.classList.add('navmenu-js');
  if (!CSS.supports('selector(::details-content)')) {
    const fit = () => { menu.open = !NARROW.matches; };
    fit();
    NARROW.addEventListener('change', fit);
  }
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && NARROW.matches && menu.open) {
      menu.open = false;
      menu.querySelector('summary').focus();
    }
  });
  document.addEventListener('click', (event) => {
    if (NARROW.matches && menu.open && !menu.contains(event.target)) menu.open = false;
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

compactMenu();
installInvite();
