#!/usr/bin/env bash
# Node.js and the OpenID provider (npm package oidc-provider) that the OpenID Connect tests start on
# loopback (tests/Gateway.Tests/Security/oidc). Idempotent; runs as root on a fresh Debian machine.
set -euo pipefail

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here/tests/Gateway.Tests/Security/oidc"
if [ ! -d node_modules/oidc-provider ]; then
  npm ci --no-audit --no-fund
fi
