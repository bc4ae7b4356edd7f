#!/usr/bin/env bash
# Parameter benchmark (issue 5): one run, on loopback, compares
#   1. the gateway with an API of ten mapped parameters (MAPPING mode: validated, renamed, moved),
#   2. the same API shape in PASSTHROUGH mode (no parameters),
#   3. bare YARP (bench/BareYarp) with one catch-all route,
# all in front of the same tiny backend. Needs wrk (Debian package 'wrk'; installed here when missing).
# Usage: bench/run-params.sh [DURATION_SECONDS] [CONNECTIONS]   Results: bench/results/params-latest.md
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-32}
THREADS=2
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v wrk >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

dotnet build Frontend/Frontend.csproj -c Release -v q -nologo >/dev/null
dotnet build bench/BareYarp/BareYarp.csproj -c Release -v q -nologo >/dev/null

work=bench/results/tmp
mkdir -p "$work" bench/results
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
BACKEND=$(free_port); BARE=$(free_port); GW=$(free_port); GW2=$(free_port); ADMIN=$(free_port); SILO=$(free_port); OGW=$(free_port)

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

bare=bench/BareYarp/bin/Release/net10.0/Gateway.Bench.BareYarp.dll
dotnet "$bare" backend "$BACKEND" & pids+=($!)
dotnet "$bare" proxy "$BARE" "http://127.0.0.1:$BACKEND" & pids+=($!)

cat > "$work/params-catalog.yaml" <<YAML
groups:
  - name: bench
    basePath: /bench
backends:
  - name: tiny
    addresses: ["http://127.0.0.1:$BACKEND"]
apis:
  - id: mapped
    group: bench
    name: Ten mapped parameters
    methods: [GET]
    path: /mapped/{id}
    backendPath: /items/{version}/{id}
    requestMode: MAPPING
    backend: tiny
    parameters:
      - {name: id, location: PATH, type: LONG, required: true, minimum: 1}
      - {name: page, location: QUERY, type: INT, default: "1", minimum: 1, maximum: 1000, backendName: p}
      - {name: size, location: QUERY, type: INT, minimum: 1, maximum: 100, backendLocation: HEADER, backendName: X-Size}
      - {name: sort, location: QUERY, enum: [asc, desc], backendName: order}
      - {name: q, location: QUERY, maxLength: 64, pattern: "[a-z0-9 ]*", backendName: query}
      - {name: ratio, location: QUERY, type: DOUBLE, minimum: 0, maximum: 1}
      - {name: active, location: QUERY, type: BOOLEAN, backendLocation: HEADER, backendName: X-Active}
      - {name: X-Tenant, location: HEADER, required: true, pattern: "[a-z]{2,16}", backendLocation: QUERY, backendName: tenant}
      - {name: X-Trace, location: HEADER, maxLength: 64}
      - {name: X-Version, location: HEADER, type: INT, required: true, enum: ["1", "2"], backendLocation: PATH, backendName: version}
  - id: pass
    group: bench
    name: Passthrough
    methods: [GET]
    path: /pass/{id}
    backend: tiny
deployments:
  - {api: mapped, stage: RELEASE}
  - {api: pass, stage: RELEASE}
YAML

Frontend__HttpPort=$GW Frontend__Http2Port=$GW2 Admin__Port=$ADMIN Cluster__SiloPort=$SILO Cluster__GatewayPort=$OGW \
Logging__LogLevel__Default=Warning \
    dotnet Frontend/bin/Release/net10.0/Gateway.Frontend.dll --catalog "$work/params-catalog.yaml" >"$work/gateway.log" 2>&1 & pids+=($!)

QUERY="?page=3&size=20&sort=asc&q=tea+cup&ratio=0.5&active=true"
HEADERS=(-H "X-Tenant: acme" -H "X-Trace: abc123" -H "X-Version: 2")
MAPPED="http://127.0.0.1:$GW/bench/mapped/42$QUERY"
PASS="http://127.0.0.1:$GW/bench/pass/42$QUERY"
BAREURL="http://127.0.0.1:$BARE/bench/pass/42$QUERY"

for url in "$MAPPED" "$PASS" "$BAREURL"; do
    for _ in $(seq 1 120); do
        code=$(curl -s -o /dev/null -w '%{http_code}' "${HEADERS[@]}" "$url" || true)
        [ "$code" = 200 ] && break
        sleep 0.5
    done
    [ "$code" = 200 ] || { echo "not ready: $url answered $code"; tail -20 "$work/gateway.log"; exit 1; }
done

run() { # name url -> "rps p50 p99"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "${HEADERS[@]}" "$2" >/dev/null   # warm-up (JIT, connections)
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${HEADERS[@]}" "$2" >"$work/$1.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.txt")
    p50=$(awk '$1=="50%" {print $2}' "$work/$1.txt")
    p99=$(awk '$1=="99%" {print $2}' "$work/$1.txt")
    non2xx=$(awk '/Non-2xx/ {print $4}' "$work/$1.txt")
    echo "$rps $p50 $p99 ${non2xx:-0}"
}

read -r m_rps m_p50 m_p99 m_bad < <(run mapped "$MAPPED")
read -r p_rps p_p50 p_p99 p_bad < <(run passthrough "$PASS")
read -r b_rps b_p50 b_p99 b_bad < <(run bare "$BAREURL")

ratio() { python3 -c "print(f'{float($1)/float($2):.2f}')"; }
out=bench/results/params-latest.md
{
    echo "# Parameter benchmark ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s on loopback, $(nproc) cores shared by gateway, backend, wrk (and anything else running)."
    echo
    echo "| target | requests/s | p50 | p99 | non-2xx |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    echo "| gateway, 10 mapped parameters | $m_rps | $m_p50 | $m_p99 | $m_bad |"
    echo "| gateway, PASSTHROUGH | $p_rps | $p_p50 | $p_p99 | $p_bad |"
    echo "| bare YARP | $b_rps | $b_p50 | $b_p99 | $b_bad |"
    echo
    echo "- mapped / passthrough: $(ratio "$m_rps" "$p_rps")"
    echo "- mapped / bare YARP: $(ratio "$m_rps" "$b_rps")"
    echo "- passthrough / bare YARP: $(ratio "$p_rps" "$b_rps")"
} | tee "$out"
