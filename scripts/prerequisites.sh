#!/usr/bin/env bash
# Checks the tools of prerequisites.tsv, all of them or those named, and
# names each one that is missing or too old with what it is for and how to
# install it. Exits 1 if any is; checks every one first.
#
#   scripts/prerequisites.sh [tool...]
set -uo pipefail
cd "$(dirname "$0")/.."

want=" $* "
bad=0
while IFS=$'\t' read -r tool minimum check install why; do
  [[ -z "$tool" || "$tool" == \#* ]] && continue
  [[ "$want" == "  " || "$want" == *" $tool "* ]] || continue
  if ! out=$(bash -c "$check" 2>/dev/null) || [ -z "$out" ]; then
    echo "prerequisites: $tool is missing (needed for $why). Install: $install" >&2
    bad=$((bad + 1))
    continue
  fi
  have=$(grep -oE '[0-9]+(\.[0-9]+)*' <<<"$out" | head -n 1)
  if [ "$(printf '%s\n%s\n' "$minimum" "$have" | sort -V | head -n 1)" != "$minimum" ]; then
    echo "prerequisites: $tool $have is too old, $minimum or newer is needed (for $why). Install: $install" >&2
    bad=$((bad + 1))
  fi
done <prerequisites.tsv

if [ "$bad" -gt 0 ]; then
  echo "prerequisites: $bad tool(s) to install first; README.md lists them all" >&2
  exit 1
fi
