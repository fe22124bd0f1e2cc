#!/usr/bin/env bash
# Installs the Debian packages the full test suite needs (scripts/test-packages.txt), so that
# `npm test` runs every compatibility test instead of skipping those whose tool is missing.
# Used by `npm run setup:test-tools` and by CI (.ci/run). Needs apt-get, and root or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' scripts/test-packages.txt)
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-test-tools: apt-get not found; install these packages (Debian names) another way: ${packages[*]}" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
echo "setup-test-tools: installed ${packages[*]}"
