#!/usr/bin/env bash
# Installs what prerequisites.tsv lists and this machine lacks, where the
# list says how with apt-get, pip or npm (CI's fresh machine runs it as
# root); then checks them all. Tools installed some other way (Go) are only
# checked.
set -uo pipefail
cd "$(dirname "$0")/.."

updated=0
while IFS=$'\t' read -r tool minimum check install why; do
  [[ -z "$tool" || "$tool" == \#* ]] && continue
  if bash -c "$check" >/dev/null 2>&1; then
    continue
  fi
  case "$install" in
  apt-get\ *)
    if [ "$updated" = 0 ]; then
      apt-get update -qq || true
      updated=1
    fi
    echo "install-prerequisites: $tool: $install"
    DEBIAN_FRONTEND=noninteractive bash -c "${install/apt-get install/apt-get install -qq --no-install-recommends}" || true
    ;;
  pip\ * | npm\ *)
    echo "install-prerequisites: $tool: $install"
    bash -c "$install" || true
    ;;
  esac
done <prerequisites.tsv

exec scripts/prerequisites.sh
