#!/usr/bin/env bash
# Lighthouse (accessibility, best practices, performance) on the login page, the home page,
# a visit form and the insights dashboard, against Debian's Chromium.
#
#   bench/lighthouse.sh            # prints one line of scores per page
#   KEEP=1 bench/lighthouse.sh     # also keeps the JSON reports (path printed at the end)
#
# Serves the app itself (gunicorn, production settings over plain HTTP on a free local port,
# a fresh SQLite demo database), signs in as the demo principal with curl and hands the
# session cookie to Lighthouse as an extra header. The npm package is installed once into a
# cache directory outside the repository (LH_DIR), never committed.
set -euo pipefail

LIGHTHOUSE_VERSION=12.8.2  # 13.x needs Node 22; Debian bookworm ships Node 20
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${VENV:-$ROOT/.venv}/bin
LH_DIR=${LH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/observe-lighthouse-$LIGHTHOUSE_VERSION}
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
CHROME_FLAGS="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-background-networking --disable-component-update --disable-sync"
PRINCIPAL=rektor@demo.observe
PASSWORD=demo1234

if [ ! -x "$LH_DIR/node_modules/.bin/lighthouse" ]; then
  echo "installing lighthouse@$LIGHTHOUSE_VERSION into $LH_DIR" >&2
  npm install --prefix "$LH_DIR" --no-audit --no-fund --silent "lighthouse@$LIGHTHOUSE_VERSION" >&2
fi
LIGHTHOUSE=$LH_DIR/node_modules/.bin/lighthouse

WORK=$(mktemp -d /tmp/observe-lighthouse-XXXXXX)
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

export FLASK_APP=observe OBSERVE_ENV=production OBSERVE_HTTPS=0 OBSERVE_DEMO=0
export OBSERVE_DATABASE_URL="sqlite:///$WORK/lighthouse.sqlite" OBSERVE_SECRET_KEY="lighthouse-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cd "$ROOT"
"$BIN/flask" db upgrade >/dev/null 2>&1
"$BIN/flask" demo >/dev/null

PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
"$BIN/gunicorn" -w 2 --threads 4 -k gthread -b "127.0.0.1:$PORT" --log-level warning "observe:create_app()" &
SERVER=$!
for _ in $(seq 100); do curl -fs -o /dev/null "$BASE/healthz" && break; sleep 0.2; done

# Sign in like a browser: the login form's CSRF token, then the session cookie.
JAR=$WORK/cookies.txt
TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/login" | grep -o 'name="csrf_token"[^>]*value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -fs -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "email=$PRINCIPAL" --data-urlencode "password=$PASSWORD" \
     --data-urlencode "csrf_token=$TOKEN" "$BASE/login"
COOKIE=$(awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) printf "%s%s=%s", (n++ ? "; " : ""), $6, $7 }' "$JAR")
curl -fs -o /dev/null -b "$JAR" "$BASE/insights/" || { echo "signing in failed" >&2; exit 1; }

# The principal's next planned visit (template A2: ratings, counters, text) opens the visit form.
VISIT_FORM=$("$BIN/python" - <<'PY'
from sqlalchemy import select
from observe import create_app
from observe.auth.models import User
from observe.extensions import db
from observe.visits.models import Visit, VisitKind, VisitStatus
with create_app().app_context():
    who = db.session.scalar(select(User).where(User.email == "rektor@demo.observe"))
    visit = db.session.scalars(select(Visit).where(Visit.observer_id == who.id, Visit.kind == VisitKind.PLANNED,
                                                   Visit.status == VisitStatus.PLANNED).order_by(Visit.id)).first()
    print(f"/visits/{visit.uuid}/observe")
PY
)

HEADERS=$("$BIN/python" -c 'import json, sys; print(json.dumps({"Cookie": sys.argv[1]}))' "$COOKIE")
printf "lighthouse %s, Chromium %s, %s form factor\n" "$LIGHTHOUSE_VERSION" \
       "$("$CHROME_PATH" --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1)" "${FORM_FACTOR:-mobile}"
printf "%-14s %13s %15s %12s\n" page accessibility best-practices performance
status=0
for entry in "login:/login" "home:/" "visit-form:$VISIT_FORM" "dashboard:/insights/"; do
  name=${entry%%:*}; path=${entry#*:}
  extra=()
  [ "$name" != login ] && extra=(--extra-headers="$HEADERS")
  "$LIGHTHOUSE" "$BASE$path" "${extra[@]}" --quiet --chrome-flags="$CHROME_FLAGS" \
      --only-categories=accessibility,best-practices,performance --form-factor="${FORM_FACTOR:-mobile}" \
      $([ "${FORM_FACTOR:-mobile}" = desktop ] && echo --preset=desktop) \
      --output=json --output-path="$WORK/$name.json" >/dev/null 2>"$WORK/$name.log" || { cat "$WORK/$name.log" >&2; status=1; continue; }
  "$BIN/python" - "$WORK/$name.json" "$name" <<'PY' || status=1
import json, sys
report = json.load(open(sys.argv[1]))
if report.get("finalDisplayedUrl", "").rstrip("/").endswith("/login") and sys.argv[2] != "login":
    sys.exit(f"{sys.argv[2]}: was sent to the login page")
scores = {key: round(100 * (cat["score"] or 0)) for key, cat in report["categories"].items()}
print(f"{sys.argv[2]:<14} {scores['accessibility']:>13} {scores['best-practices']:>15} {scores['performance']:>12}")
for key in ("accessibility", "best-practices"):
    for ref in report["categories"][key]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            print(f"    {key}: {ref['id']} – {audit['title']}")
PY
done
[ -n "${KEEP:-}" ] && echo "reports in $WORK"
exit $status
