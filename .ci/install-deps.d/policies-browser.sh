#!/usr/bin/env bash
# A real headless Chromium and playwright-core (npm), which the CORS tests use to call the gateway with fetch() from a
# page on another origin (tests/Gateway.Tests/Policies/Cors/browser). Idempotent; runs as root on a fresh Debian machine.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here/tests/Gateway.Tests/Policies/Cors/browser"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund
fi
