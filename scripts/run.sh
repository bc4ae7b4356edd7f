#!/usr/bin/env bash
# The gateway's embedded default on a fresh machine (the README's run command): builds the web console and the
# documentation pages' renderer from their npm lock files when npm is there (without them the gateway still runs,
# and /console and /docs say how to build them), then runs the frontend with its co-hosted silo and sample catalog.
# Extra arguments go to the gateway (for example --catalog FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v npm >/dev/null 2>&1; then
  bash console/build.sh
  if [ ! -d Silo/Docs/renderer/node_modules/redoc ]; then
    (cd Silo/Docs/renderer && npm ci --no-audit --no-fund)
  fi
else
  echo "npm not found: the web console (/console) and the documentation pages (/docs) are left out" >&2
fi
exec dotnet run -c Release --project Frontend -- "$@"
