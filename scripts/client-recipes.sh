#!/usr/bin/env bash
# Runs every client recipe of docs/CLIENTS.md against a local API, so that
# none of them can rot:
#
#   1. the Postman collection, with newman (after checking that it embeds
#      clients/postman/prerequest.js exactly)
#   2. clients/python/xcloud.py
#   3. clients/node/xcloud.mjs
#   4. clients/curl/xcloud.sh
#
# It builds cmd/xcloud-local, starts it on a free 127.0.0.1 port (PORT=0: the
# kernel picks one, the ready line names it) with a fixed credentials
# document, runs the four, and always stops the server. The last line is
# "N passed, N failed" (one count per recipe); the exit status is non-zero
# when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
RECIPES=(postman python node curl)
SERVICE_ID=recipes
SECRET='recipes-secret-0123456789'
CREDENTIALS="{\"$SERVICE_ID\":{\"secrets\":[\"$SECRET\"],\"scopes\":[\"customers:read\",\"customers:write\"]}}"
READY_TIMEOUT=${READY_TIMEOUT:-60}
STEP_TIMEOUT=${STEP_TIMEOUT:-300}

passed=0 failed=0 server_pid= log=
summary() { echo "$passed passed, $failed failed"; }

cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  [[ -n $log ]] && rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing can run: count every recipe as failed, print the summary, stop.
abort() {
  echo "client-recipes: $*" >&2
  failed=${#RECIPES[@]} passed=0
  summary
  exit 1
}

echo "== building cmd/xcloud-local"
"$GO" build -o build/xcloud-local ./cmd/xcloud-local || abort "go build failed"

log=$(mktemp)
echo "== starting the local API"
PORT=0 XCLOUD_SERVICE_CREDENTIALS=$CREDENTIALS ./build/xcloud-local >"$log" 2>&1 &
server_pid=$!
base=
for _ in $(seq $((READY_TIMEOUT * 10))); do
  base=$(grep -o 'ready on http://127\.0\.0\.1:[0-9][0-9]*' "$log" | head -n1 | sed 's/^ready on //')
  [[ -n $base ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $base ]]; then
  cat "$log" >&2
  abort "the local API did not print its ready line within ${READY_TIMEOUT}s"
fi
echo "local API ready on $base"

run_step() { # NAME COMMAND...: one counted recipe
  local name=$1 rc
  shift
  echo
  echo "== $name"
  if command -v timeout >/dev/null; then
    # timeout runs programs, not functions: hand the function to a child bash.
    timeout "$STEP_TIMEOUT" bash -c '"$@"' _ "$@"
  else
    "$@"
  fi
  rc=$?
  if ((rc == 0)); then
    passed=$((passed + 1))
    echo "== $name: passed"
  else
    failed=$((failed + 1))
    echo "== $name: FAILED (exit $rc)" >&2
  fi
}

need() { command -v "$1" >/dev/null || { echo "$1 is not installed" >&2; return 127; }; }

postman() {
  need node || return
  # The collection must embed prerequest.js exactly (it is kept as a file for
  # people pasting it into Postman).
  node -e '
    const fs = require("fs");
    const file = fs.readFileSync("clients/postman/prerequest.js", "utf8");
    const col = JSON.parse(fs.readFileSync("clients/postman/xcloud.postman_collection.json", "utf8"));
    const ev = (col.event || []).find((e) => e.listen === "prerequest");
    const embedded = ev ? ev.script.exec.join("\n") + "\n" : "";
    if (embedded !== file) {
      console.error("clients/postman/xcloud.postman_collection.json does not embed clients/postman/prerequest.js exactly; re-embed it (docs/CLIENTS.md, \"Postman\")");
      process.exit(1);
    }
    console.log("collection pre-request script == clients/postman/prerequest.js");
  ' || return
  if [[ ! -x node_modules/.bin/newman ]]; then
    need npm || return
    npm ci --no-audit --no-fund --loglevel=error || return
  fi
  node_modules/.bin/newman run clients/postman/xcloud.postman_collection.json \
    -e clients/postman/local.postman_environment.json \
    --env-var "baseUrl=$base" --env-var "serviceId=$SERVICE_ID" --env-var "secret=$SECRET" \
    --color off
}

export base SERVICE_ID SECRET XCLOUD_ENDPOINT=$base XCLOUD_SERVICE_ID=$SERVICE_ID XCLOUD_SERVICE_SECRET=$SECRET
python_recipe() { need python3 && python3 clients/python/xcloud.py; }
node_recipe() { need node && node clients/node/xcloud.mjs; }
curl_recipe() { need curl && need openssl && bash clients/curl/xcloud.sh; }
export -f need postman python_recipe node_recipe curl_recipe

run_step "postman collection (newman)" postman
run_step "python recipe (clients/python/xcloud.py)" python_recipe
run_step "node recipe (clients/node/xcloud.mjs)" node_recipe
run_step "curl recipe (clients/curl/xcloud.sh)" curl_recipe

if ((failed > 0)); then
  kill -0 "$server_pid" 2>/dev/null || echo "client-recipes: the local API exited during the run" >&2
  echo "client-recipes: the local API's log (last 40 lines):" >&2
  tail -n 40 "$log" >&2
fi

echo
summary
((failed == 0))
