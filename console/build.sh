#!/usr/bin/env bash
# Builds the web console into console/dist (served by the Silo at /console once the Silo is built again).
# npm ci installs exactly what package-lock.json records; vite bundles everything, so nothing loads from a CDN.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/vite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
