/* The sync protocol's client half (docs/sync-protocol.md): ping, CSRF token, upload,
 * and the classification of every answer. No state and no storage here: outbox.js
 * decides what to do with each outcome. */

export const CLIENT_SCHEMA_VERSION = 1;
export const ENDPOINTS = Object.freeze({ ping: '/api/v1/ping', csrf: '/api/v1/csrf', sync: '/api/v1/sync' });

/** Outcomes of one upload attempt for the whole batch. */
export const Outcome = Object.freeze({
  OK: 'ok', // per-record results follow
  OFFLINE: 'offline', // no answer at all (network error, or the request died on the way)
  RETRY: 'retry', // 408, 429, 5xx: try again later (Retry-After honoured)
  AUTH: 'auth', // 401, or 403/expired CSRF even with a fresh token: log in again, keep everything
  UPDATE: 'update', // 422 for the whole request: this app version is too old
});

/** Milliseconds to wait from a Retry-After header (seconds or an HTTP date), or null. */
export function retryAfterMs(header, now = Date.now()) {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Is the server reachable? A tiny no-cache request, never navigator.onLine. */
export async function ping() {
  try {
    const response = await fetch(ENDPOINTS.ping, { cache: 'no-store', credentials: 'same-origin' });
    return response.status < 500;
  } catch (error) {
    return false;
  }
}

async function csrfToken() {
  const response = await fetch(ENDPOINTS.csrf, {
    cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'application/json' },
  });
  if (response.status === 401 || response.status === 403) return { outcome: Outcome.AUTH };
  if (!response.ok) return { outcome: classifyStatus(response) };
  const body = await response.json();
  return { token: body.csrf_token };
}

function classifyStatus(response) {
  const { status } = response;
  if (status === 401) return Outcome.AUTH;
  if (status === 422) return Outcome.UPDATE;
  return Outcome.RETRY; // 408, 429, 5xx, and anything unexpected: keep the records and try later
}

async function isCsrfFailure(response) {
  if (response.status === 403) return true;
  if (response.status !== 400) return false;
  try {
    const body = await response.clone().json();
    return body && body.error === 'csrf';
  } catch (error) {
    return false;
  }
}

async function post(payload, token) {
  return fetch(ENDPOINTS.sync, {
    method: 'POST',
    cache: 'no-store',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': token },
    body: JSON.stringify(payload),
  });
}

/**
 * Upload `records` once. Returns {outcome, results?, retryAfter?, message?}.
 * A 403 or an expired CSRF token fetches a fresh token and tries once more.
 */
export async function upload(records, device) {
  const payload = { device, client_schema_version: CLIENT_SCHEMA_VERSION, records };
  try {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const token = await csrfToken();
      if (token.outcome) return { outcome: token.outcome };
      const response = await post(payload, token.token);
      if (response.ok) {
        const body = await response.json();
        return { outcome: Outcome.OK, results: body.results || [] };
      }
      if (await isCsrfFailure(response)) {
        if (attempt === 0) continue;
        return { outcome: Outcome.AUTH };
      }
      const outcome = classifyStatus(response);
      let message = '';
      try { message = (await response.json()).message || ''; } catch (error) { /* not JSON */ }
      return { outcome, retryAfter: retryAfterMs(response.headers.get('Retry-After')), message, status: response.status };
    }
  } catch (error) {
    return { outcome: Outcome.OFFLINE, message: String(error) };
  }
  return { outcome: Outcome.AUTH };
}
