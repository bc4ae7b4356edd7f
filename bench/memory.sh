#!/usr/bin/env bash
# Memory after a burst: RSS of the embedded gateway (frontend and silo in one process) at rest, right after a burst of
# large request bodies and large catalog imports, and a minute later, with the GC settings of the images and chart
# ("tuned") and without them ("default"). The figure that matters: RSS a minute after the burst against the baseline.
#   bench/memory.sh                 both settings, one after the other
#   MEMORY_BODIES=40 MEMORY_BODY_MB=50 MEMORY_IMPORTS=10 MEMORY_WAIT=60   burst size and the wait (these are the defaults)
#   MEMORY_ONLY=tuned               one setting only
# Prints one line per setting and writes bench/results/memory-latest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
bodies=${MEMORY_BODIES:-40} body_mb=${MEMORY_BODY_MB:-50} imports=${MEMORY_IMPORTS:-10} wait_s=${MEMORY_WAIT:-60}
dotnet build Frontend -c Release -v q -nologo >/dev/null
dll=Frontend/bin/Release/net10.0/Gateway.Frontend.dll
work=$(mktemp -d)
pid=""
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/^VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status"; }

# A body for the sample's POST /demo/orders, and a large catalog document (thousands of APIs, under the 8 MB limit)
# that is refused for its last API only: parsed and validated whole, and nothing stored, so the live data stays the same.
head -c $((body_mb * 1024 * 1024)) /dev/zero | tr '\0' 'x' >"$work/body"
python3 - "$work/import.yaml" <<'PY'
import sys
lines = ["groups: [{ name: bulk, basePath: /bulk }]", "backends: [{ name: bulk, addresses: ['http://127.0.0.1:9'] }]", "apis:"]
for i in range(10000):
    lines.append(f"  - {{ id: bulk-{i}, group: bulk, name: Bulk API number {i} with a longer name, methods: [GET], path: /item{i}/{{id}}, backend: bulk, description: '{'d' * 400}' }}")
lines.append("  - { id: bulk-last, group: bulk, name: Refused, methods: [GET], path: /last, backend: no-such-backend }")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY

measure() {
  local name="$1"; shift
  local http admin sample
  http=$(free_port) admin=$(free_port) sample=$(free_port)
  env "$@" Frontend__HttpPort="$http" Frontend__Http2Port="$(free_port)" Frontend__HttpsPort=-1 Admin__Port="$admin" \
    Embedded__SampleBackendPort="$sample" Logging__LogLevel__Default=Warning dotnet "$dll" >"$work/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$http/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  # Warm up, then the baseline: at rest, after its own start-up garbage has had time to go.
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$http/demo/hello/warm"; done
  sleep 20
  local base; base=$(rss_mb "$pid")

  # The burst: large bodies (8 at a time) through the gateway, and large imports (refused or accepted, both parse it all).
  seq 1 "$bodies" | xargs -P 8 -I{} curl -s -o /dev/null -X POST -H 'Content-Type: application/octet-stream' \
    --data-binary @"$work/body" "http://127.0.0.1:$http/demo/orders"
  seq 1 "$imports" | xargs -P 4 -I{} curl -s -o /dev/null -X POST -H 'Content-Type: application/yaml' \
    --data-binary @"$work/import.yaml" "http://127.0.0.1:$admin/v1/catalog/import?mode=merge"
  local peak; peak=$(rss_mb "$pid")
  sleep "$wait_s"
  local after; after=$(rss_mb "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  local ratio; ratio=$(python3 -c "print(f'{$after / $base:.2f}')")
  echo "| $name | $base | $peak | $after | $ratio |"
}

{
  echo "# Memory after a burst ($(date -u +%Y-%m-%d), $(nproc) cores)"
  echo
  echo "$bodies POST bodies of $body_mb MB (8 at a time) and $imports imports of a $(( $(stat -c %s "$work/import.yaml") / 1024 / 1024 )) MB catalog into the embedded gateway; RSS in MB."
  echo
  echo "| GC settings | at rest | right after the burst | ${wait_s} s later | later / at rest |"
  echo "| --- | --- | --- | --- | --- |"
  [[ "${MEMORY_ONLY:-tuned}" == tuned || -z "${MEMORY_ONLY:-}" ]] && measure tuned DOTNET_GCHeapHardLimitPercent=4b DOTNET_GCConserveMemory=5
  [[ "${MEMORY_ONLY:-default}" == default || -z "${MEMORY_ONLY:-}" ]] && measure default Memory__IdleTrimSeconds=0
  true
} | tee bench/results/memory-latest.md
