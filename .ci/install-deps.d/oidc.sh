#!/usr/bin/env bash
# Node.js and the OpenID provider (npm package oidc-provider) that the OpenID Connect tests start on
# loopback (tests/Gateway.Tests/Security/oidc). Idempotent; runs as root on a fresh Debian machine.
set -euo pipefail

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
fi

# oidc-provider 9 is tested here on Node.js 20 (the machine image's); Debian 12's own package is 18.
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "warning: Node.js $major is older than the 20 the OpenID Connect tests were run with" >&2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here/tests/Gateway.Tests/Security/oidc"
if [ ! -d node_modules/oidc-provider ]; then
  npm ci --no-audit --no-fund
fi
