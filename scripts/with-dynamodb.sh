#!/usr/bin/env bash
# Runs a command against a DynamoDB implementation started on 127.0.0.1 for
# it, and stops that server afterwards, whatever happens.
#
#   scripts/with-dynamodb.sh dynalite|moto COMMAND...
#
# The command gets DYNAMODB_ENDPOINT; internal/dynamotest then makes a fresh
# table per test there.
set -euo pipefail
impl=$1
shift

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
log=$(mktemp)
case "$impl" in
dynalite)
  [ -x node_modules/.bin/dynalite ] || npm ci --no-audit --no-fund --loglevel=error
  node node_modules/.bin/dynalite --port "$port" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 >"$log" 2>&1 &
  ;;
moto)
  python3 scripts/moto_server.py "$port" >"$log" 2>&1 &
  ;;
*)
  echo "with-dynamodb: unknown implementation $impl (dynalite or moto)" >&2
  exit 2
  ;;
esac
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$log"
}
trap stop EXIT

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "with-dynamodb: $impl did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done

echo "with-dynamodb: $impl on 127.0.0.1:$port"
status=0
DYNAMODB_ENDPOINT="http://127.0.0.1:$port" "$@" || status=$?
exit "$status"
