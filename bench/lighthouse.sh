#!/usr/bin/env bash
# Lighthouse (accessibility, best practices, performance) on the login page, a walkthrough form,
# a finished visit's page and the insights dashboard, against Debian's Chromium.
#
#   bench/lighthouse.sh            # one line per page: scores, LCP, CLS, requests, bytes (median of 3)
#   RUNS=1 bench/lighthouse.sh     # one pass per page instead of three
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

# The pages of issue 19: a walkthrough form for a teacher, the page of a finished visit (with its
# feedback panel) and the insights dashboard ("Analys"), as the demo principal.
read -r WALKTHROUGH VISIT_PAGE < <("$BIN/python" - <<'PY'
from sqlalchemy import select
from observe import create_app
from observe.auth.models import User
from observe.extensions import db
from observe.visits.models import Visit, VisitStatus
with create_app().app_context():
    who = db.session.scalar(select(User).where(User.email == "rektor@demo.observe"))
    done = db.session.scalars(select(Visit).where(Visit.observer_id == who.id, Visit.status == VisitStatus.COMPLETED,
                                                  Visit.teacher_id.is_not(None)).order_by(Visit.id.desc())).first()
    print(f"/visits/new/spontaneous?teacher={done.teacher_id}", f"/visits/{done.uuid}")
PY
)

HEADERS=$("$BIN/python" -c 'import json, sys; print(json.dumps({"Cookie": sys.argv[1]}))' "$COOKIE")
RUNS=${RUNS:-3}
printf "lighthouse %s, Chromium %s, %s form factor, median of %s runs (cold cache)\n" "$LIGHTHOUSE_VERSION" \
       "$("$CHROME_PATH" --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1)" "${FORM_FACTOR:-mobile}" "$RUNS"
printf "%-12s %5s %5s %5s %7s %7s %6s %9s\n" page a11y bp perf LCP-ms CLS reqs KB-wire
status=0
for entry in "login:/login" "walkthrough:$WALKTHROUGH" "visit:$VISIT_PAGE" "dashboard:/insights/"; do
  name=${entry%%:*}; path=${entry#*:}
  extra=()
  [ "$name" != login ] && extra=(--extra-headers="$HEADERS")
  reports=()
  for run in $(seq "$RUNS"); do
    out="$WORK/$name-$run.json"
    "$LIGHTHOUSE" "$BASE$path" "${extra[@]}" --quiet --chrome-flags="$CHROME_FLAGS" \
        --only-categories=accessibility,best-practices,performance --form-factor="${FORM_FACTOR:-mobile}" \
        $([ "${FORM_FACTOR:-mobile}" = desktop ] && echo --preset=desktop) \
        --output=json --output-path="$out" >/dev/null 2>"$WORK/$name.log" || { cat "$WORK/$name.log" >&2; status=1; continue; }
    reports+=("$out")
  done
  [ ${#reports[@]} -gt 0 ] || continue
  "$BIN/python" - "$name" "${reports[@]}" <<'PY' || status=1
import json, statistics, sys
name, paths = sys.argv[1], sys.argv[2:]
rows = []
for path in paths:
    report = json.load(open(path))
    if report.get("finalDisplayedUrl", "").rstrip("/").endswith("/login") and name != "login":
        sys.exit(f"{name}: was sent to the login page")
    audits = report["audits"]
    rows.append({
        "scores": {key: round(100 * (cat["score"] or 0)) for key, cat in report["categories"].items()},
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "reqs": len(audits["network-requests"]["details"]["items"]),
        "kb": audits["total-byte-weight"]["numericValue"] / 1000,
    })
median = lambda values: statistics.median(values)
print(f"{name:<12} {median([r['scores']['accessibility'] for r in rows]):>5.0f}"
      f" {median([r['scores']['best-practices'] for r in rows]):>5.0f}"
      f" {median([r['scores']['performance'] for r in rows]):>5.0f}"
      f" {median([r['lcp'] for r in rows]):>7.0f} {median([r['cls'] for r in rows]):>7.3f}"
      f" {median([r['reqs'] for r in rows]):>6.0f} {median([r['kb'] for r in rows]):>9.1f}"
      f"   perf per run: {' '.join(str(r['scores']['performance']) for r in rows)}")
report = json.load(open(paths[-1]))
for key in ("accessibility", "best-practices"):
    for ref in report["categories"][key]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            print(f"    {key}: {ref['id']} – {audit['title']}")
PY
done
[ -n "${KEEP:-}" ] && echo "reports in $WORK"
exit $status
