#!/usr/bin/env bash
# Runs the deploy pipeline's smoke test (xcloud smoke) against the local API
# as make run serves it, writing and then read-only, so that the command the
# pipeline trusts is tested on every make test. Stops the API afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

go build -o build/xcloud-local ./cmd/xcloud-local
go build -o build/xcloud ./cmd/xcloud
export XCLOUD_SERVICE_CREDENTIALS='{"smoke-writer":{"secrets":["smoke-writer-secret"],"scopes":["customers:read","customers:write"]},"smoke-reader":{"secrets":["smoke-reader-secret"],"scopes":["customers:read"]}}'
log=$(mktemp)
PORT=0 LOG_FORMAT=json build/xcloud-local -docs "" >"$log" 2>&1 &
api=$!
stop() {
  kill "$api" 2>/dev/null || true
  wait "$api" 2>/dev/null || true
  rm -f "$log"
}
trap stop EXIT

endpoint=""
for _ in $(seq 1 100); do
  endpoint=$(sed -n 's/^XCloud customers API ready on \(http:[^ ]*\) .*/\1/p' "$log")
  [ -n "$endpoint" ] && break
  kill -0 "$api" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$endpoint" ] || { echo "smoke-local: the local API did not start:" >&2; cat "$log" >&2; exit 1; }

build/xcloud smoke --write --endpoint "$endpoint" --service-id smoke-writer --secret smoke-writer-secret
build/xcloud smoke --endpoint "$endpoint" --service-id smoke-reader --secret smoke-reader-secret
