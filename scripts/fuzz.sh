#!/usr/bin/env bash
# Runs each fuzz target (package:Name) for FUZZTIME: a duration (30s) or an
# execution count (5000x).
#
# Go 1.26's fuzz coordinator can end a duration run with a bare "context
# deadline exceeded" and no failing input (golang/go#75804, fixed in Go
# 1.27). Such a run found nothing and is reported, not failed; a run that
# writes a failing input to testdata/fuzz fails. Counts avoid the race.
#
#   scripts/fuzz.sh 30s ./shared/customer:FuzzDecode ...
set -uo pipefail
fuzztime=$1
shift
failed=0
for target in "$@"; do
  pkg=${target%%:*}
  name=${target#*:}
  corpus="$pkg/testdata/fuzz/$name"
  before=$(ls "$corpus" 2>/dev/null | sort)
  echo "fuzz $name in $pkg for $fuzztime"
  out=$(go test -run='^$' -fuzz="^$name\$" -fuzztime="$fuzztime" "$pkg" 2>&1)
  status=$?
  echo "$out" | grep -E '^fuzz: elapsed|^ok|^FAIL|^---|^\s' | tail -4
  if [ "$status" -ne 0 ]; then
    after=$(ls "$corpus" 2>/dev/null | sort)
    if [ "$before" = "$after" ] && echo "$out" | grep -q 'context deadline exceeded'; then
      echo "fuzz $name: ended on Go's fuzztime deadline race (golang/go#75804) with no failing input; not a failure"
    else
      echo "$out" | tail -30
      echo "fuzz $name: FAILED; the failing input is in $corpus"
      failed=1
    fi
  fi
done
exit "$failed"
