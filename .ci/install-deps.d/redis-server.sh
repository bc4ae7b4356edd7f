#!/usr/bin/env bash
# Issue 3 (part A): NonceAcrossFrontendsTests starts a real redis-server on loopback for a two-frontend cluster.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server
fi
