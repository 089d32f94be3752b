#!/usr/bin/env bash
# schemathesis CLI, every check (--checks all), against a live Observe with the demo school:
# once anonymous, once signed in as a principal (session cookie + CSRF token).
#   security/schemathesis-live.sh [DATABASE_URL] [MAX_EXAMPLES]
# Default database: a fresh SQLite file under /tmp. For PostgreSQL pass an empty database, e.g.
#   security/schemathesis-live.sh postgresql+psycopg://postgres@127.0.0.1:5432/observe_st 100
# The in-process equivalent runs in the suite: tests/security/test_api_schemathesis.py.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
export OBSERVE_DATABASE_URL=${1:-sqlite:///$WORK/observe.sqlite}
EXAMPLES=${2:-100}
PORT=${PORT:-5391}
export FLASK_APP=observe OBSERVE_ENV=development OBSERVE_DEMO=1
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then echo "port $PORT is taken: set PORT"; exit 2; fi
.venv/bin/flask db upgrade >/dev/null 2>&1
.venv/bin/flask demo >/dev/null
.venv/bin/flask run --port "$PORT" --with-threads >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER; wait $SERVER 2>/dev/null || true; rm -rf "$WORK" .schemathesis' EXIT  # its cache dir too
BASE=http://127.0.0.1:$PORT
for _ in $(seq 50); do curl -fs "$BASE/api/v1/ping" >/dev/null && break; sleep 0.2; done
JAR=$WORK/cookies
TOKEN=$(curl -s -c "$JAR" "$BASE/login" | sed -n 's/.*name="csrf_token"[^>]*value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$JAR" -c "$JAR" -o /dev/null -d "csrf_token=$TOKEN" --data-urlencode "email=rektor@demo.observe" \
     -d "password=demo1234" "$BASE/login"
API_TOKEN=$(curl -s -b "$JAR" "$BASE/api/v1/csrf" | sed -n 's/.*"csrf_token": *"\([^"]*\)".*/\1/p')
COOKIE=$(sed 's/^#HttpOnly_//' "$JAR" | awk '!/^#/ && NF >= 7 {print $6 "=" $7}' | paste -sd ';' -)
[ -n "$API_TOKEN" ] || { echo "could not sign in"; exit 1; }
ST=(.venv/bin/schemathesis run "$BASE/api/v1/openapi.json" --checks all --max-examples "$EXAMPLES"
    --generation-deterministic --no-color)
status=0
echo "== anonymous"; "${ST[@]}" || status=1
echo "== signed in"; "${ST[@]}" -H "Cookie: $COOKIE" -H "X-CSRFToken: $API_TOKEN" -H "Origin: $BASE" || status=1
exit $status
