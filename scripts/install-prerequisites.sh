#!/usr/bin/env bash
# Installs what prerequisites.tsv lists and this machine lacks, where the
# list says how with apt-get, pip or npm (CI's fresh machine runs it as
# root); then checks them all. Tools installed some other way (Go) are only
# checked.
set -uo pipefail
cd "$(dirname "$0")/.."

# apt-get needs root: sudo where this is not (a CI runner).
apt=(apt-get)
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then
  apt=(sudo DEBIAN_FRONTEND=noninteractive apt-get)
fi

updated=0
while IFS=$'\t' read -r tool minimum check install why; do
  [[ -z "$tool" || "$tool" == \#* ]] && continue
  if bash -c "$check" >/dev/null 2>&1; then
    continue
  fi
  case "$install" in
  apt-get\ *)
    if [ "$updated" = 0 ]; then
      "${apt[@]}" update -qq || true
      updated=1
    fi
    echo "install-prerequisites: $tool: $install"
    read -ra packages <<<"${install#apt-get install -y }"
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${packages[@]}" || true
    ;;
  pip\ * | npm\ *)
    echo "install-prerequisites: $tool: $install"
    bash -c "$install" || true
    ;;
  esac
done <prerequisites.tsv

exec scripts/prerequisites.sh
