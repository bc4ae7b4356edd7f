#!/usr/bin/env bash
# Gateway with X-Ca signature vs the same gateway on an anonymous API vs bare YARP vs the backend alone,
# one run, wrk on loopback. Usage: bench/run.sh [seconds] [connections] [rounds]. Needs wrk, curl and the .NET SDK.
# The scenarios take turns, round after round, and the median of the rounds is reported: on a shared machine
# a burst of someone else's work then spoils one sample of every scenario rather than all of one.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-32}
ROUNDS=${3:-3}
THREADS=2
BASE=${BENCH_PORT_BASE:-47100}
BACKEND=$((BASE + 1)) BARE=$((BASE + 2)) GW=$((BASE + 3)) GW_H2=$((BASE + 4)) ADMIN=$((BASE + 5))
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

dotnet build -c Release -v q bench/BenchTool >/dev/null
dotnet build -c Release -v q bench/BareYarp >/dev/null
dotnet build -c Release -v q Frontend >/dev/null

dotnet bench/BenchTool/bin/Release/net10.0/BenchTool.dll backend "$BACKEND" & PIDS+=($!)
dotnet bench/BareYarp/bin/Release/net10.0/Gateway.Bench.BareYarp.dll proxy "$BARE" "http://127.0.0.1:$BACKEND" & PIDS+=($!)
sed "s/BACKEND_PORT/$BACKEND/" bench/catalog.yaml > "$WORK/catalog.yaml"
Frontend__HttpPort=$GW Frontend__Http2Port=$GW_H2 Frontend__HttpsPort=-1 Admin__Port=$ADMIN \
  Cluster__SiloPort=$((BASE + 6)) Cluster__GatewayPort=$((BASE + 7)) Logging__LogLevel__Default=Warning \
  dotnet Frontend/bin/Release/net10.0/Gateway.Frontend.dll --catalog "$WORK/catalog.yaml" & PIDS+=($!)

for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$GW/health/ready" >/dev/null && curl -sf "http://127.0.0.1:$BARE/" >/dev/null && break
  sleep 0.5
done

# A key pair known to the script (taken over through the admin API, as a migrating app would).
APP_KEY=4700000000000001 APP_SECRET=bench-secret-0123456789abcdef
curl -sf -X POST "http://127.0.0.1:$ADMIN/v1/apps/bench-app/keys" -H 'Content-Type: application/json' \
  -d "{\"appKey\":\"$APP_KEY\",\"appSecret\":\"$APP_SECRET\"}" >/dev/null
sleep 1.5 # the frontend picks the key up within a second

TOOL="dotnet bench/BenchTool/bin/Release/net10.0/BenchTool.dll"
$TOOL lua "$APP_KEY" "$APP_SECRET" /signed 0 "$WORK/signed.lua"
# Every nonce is sent once: each warm-up and each measured run gets a file of fresh pre-signed nonces.
for round in $(seq 1 "$ROUNDS"); do
  $TOOL lua "$APP_KEY" "$APP_SECRET" /signed-nonce 100000 "$WORK/nonce-warm-$round.lua" nonce "$THREADS"
  $TOOL lua "$APP_KEY" "$APP_SECRET" /signed-nonce 400000 "$WORK/nonce-$round.lua" nonce "$THREADS"
done

run() { # name url [script] [warm-up script]
  local name=$1 url=$2 script=${3:-} warm=${4:-${3:-}}
  local args=(-t"$THREADS" -c"$CONNECTIONS" --latency)
  if [ -n "$warm" ]; then wrk "${args[@]}" -s "$warm" -d2s "$url" >/dev/null; else wrk "${args[@]}" -d2s "$url" >/dev/null; fi
  [ -n "$script" ] && args+=(-s "$script")
  local out; out=$(wrk "${args[@]}" -d"${SECONDS_PER_RUN}s" "$url")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk -F= '/non2xx=/ {print $2}' <<<"$out" | tail -1)
  printf '%-26s %6s %12s %10s %10s %8s\n' "$name" "$round" "$rps" "$p50" "$p99" "${non2xx:-0}"
  echo "$name $rps" >> "$WORK/results"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s on loopback, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-26s %6s %12s %10s %10s %8s\n' scenario round 'req/s' p50 p99 non-2xx
for round in $(seq 1 "$ROUNDS"); do
  run backend-direct "http://127.0.0.1:$BACKEND/anon"
  run bare-yarp "http://127.0.0.1:$BARE/anon"
  run gateway-anonymous "http://127.0.0.1:$GW/anon"
  run gateway-signature "http://127.0.0.1:$GW/signed" "$WORK/signed.lua"
  run gateway-signature-nonce "http://127.0.0.1:$GW/signed-nonce" "$WORK/nonce-$round.lua" "$WORK/nonce-warm-$round.lua"
done

sort -k1,1 -k2,2n "$WORK/results" | awk '
  { v[$1, ++n[$1]] = $2 }
  END {
    for (s in n) m[s] = v[s, int((n[s] + 1) / 2)]
    printf "\nmedian req/s: backend %.0f, bare-yarp %.0f, gateway anonymous %.0f, signature %.0f, signature+nonce %.0f\n",
      m["backend-direct"], m["bare-yarp"], m["gateway-anonymous"], m["gateway-signature"], m["gateway-signature-nonce"]
    printf "ratios: anonymous/bare-yarp %.2f, signature/anonymous %.2f, signature+nonce/anonymous %.2f, signature/bare-yarp %.2f\n",
      m["gateway-anonymous"] / m["bare-yarp"], m["gateway-signature"] / m["gateway-anonymous"],
      m["gateway-signature-nonce"] / m["gateway-anonymous"], m["gateway-signature"] / m["bare-yarp"] }'
