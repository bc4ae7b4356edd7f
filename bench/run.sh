#!/usr/bin/env bash
# The benchmark suite, one command: installs what it needs (Debian packages), builds in Release, starts everything
# on loopback, measures, stops everything, and writes bench/RESULTS.md and bench/results.svg.
#   bench/run.sh                      full run: throughput suite (about 30 minutes) + cluster figures (bench/cluster.sh)
#   BENCH_SECONDS=10 BENCH_WARMUP=5 BENCH_RUNS=2 BENCH_CONNECTIONS=32   per-sample settings (these are the defaults)
#   BENCH_ONLY=bare-yarp,gw-anonymous  only these configurations;  BENCH_SKIP_CLUSTER=1  no cluster figures
#   BENCH_GATEWAY_ENV=KEY=VALUE / BENCH_BARE_YARP_ENV=KEY=VALUE  one extra environment setting for the gateway / bare YARP
# Figures are only comparable within one run: read the ratios against bare YARP, not the absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

missing=()
for tool in wrk:wrk h2load:nghttp2-client nginx:nginx haproxy:haproxy openssl:openssl python3:python3 redis-server:redis-server; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

for project in Frontend Silo bench/BareYarp bench/BenchTool; do
  dotnet build "$project" -c Release -v q -nologo >/dev/null
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 bench/suite.py --seconds "${BENCH_SECONDS:-10}" --warmup "${BENCH_WARMUP:-5}" --runs "${BENCH_RUNS:-2}" \
  --connections "${BENCH_CONNECTIONS:-32}" --only "${BENCH_ONLY:-}" ${BENCH_GATEWAY_ENV:+--gateway-env "$BENCH_GATEWAY_ENV"} \
  ${BENCH_BARE_YARP_ENV:+--bare-yarp-env "$BENCH_BARE_YARP_ENV"} --out "$out/suite.json"
cp "$out/suite.json" bench/results/suite-latest.json

if [[ -z "${BENCH_SKIP_CLUSTER:-}" && -x bench/cluster.sh ]]; then
  bench/cluster.sh
fi
python3 bench/report.py bench/results/suite-latest.json bench/RESULTS.md bench/results.svg bench/results/cluster-latest.md >/dev/null
echo "written: bench/RESULTS.md, bench/results.svg, bench/results/suite-latest.json"
