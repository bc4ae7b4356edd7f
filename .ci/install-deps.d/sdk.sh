#!/usr/bin/env bash
# What the documentation and SDK tests need (tests/Gateway.Tests/Sdk): Node.js with the OpenAPI validator and the
# TypeScript compiler (npm, from tests/Gateway.Tests/Sdk/tools/package-lock.json), a JDK to compile the Java SDK,
# and the documentation pages' renderer (Redoc, from Silo/Docs/renderer/package-lock.json), which the Silo's build
# copies beside its assemblies. Idempotent; runs as root on a fresh Debian machine.
set -euo pipefail

need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v javac >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here/tests/Gateway.Tests/Sdk/tools"
if [ ! -d node_modules/@apidevtools/swagger-parser ] || [ ! -d node_modules/typescript ]; then
  npm ci --no-audit --no-fund
fi

cd "$here/Silo/Docs/renderer"
if [ ! -f node_modules/redoc/bundles/redoc.standalone.js ]; then
  # --ignore-scripts: only the prebuilt bundle is used; nothing needs to run at install time.
  npm ci --no-audit --no-fund --ignore-scripts
fi
