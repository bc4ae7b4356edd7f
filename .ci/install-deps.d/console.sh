#!/usr/bin/env bash
# The web console (console/): its npm packages, its build into console/dist (which the Silo's build copies into
# its output, served at /console), and Debian's chromium for the browser tests (tests/Gateway.Tests/Console).
# Idempotent; runs as root on a fresh Debian machine, before the .NET build.
set -euo pipefail

need=()
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Vite 8 needs npm 11 and Node.js 20 or later (the machine image's).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$here/console/build.sh"
