#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine (as root); idempotent. Feature-specific steps
# live in .ci/install-deps.d/*.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v python3 >/dev/null || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

for step in .ci/install-deps.d/*.sh; do
    [ -e "$step" ] || continue
    echo "-- $step"
    bash "$step"
done
