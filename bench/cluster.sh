#!/usr/bin/env bash
# Cluster figures (throttling accuracy and under-admission, alert latency, failover): on loopback, redis-server + 2 silos + 2 frontends as
# processes (Release), driven by bench/ClusterBench (clients, recording backend, SMTP server). Measures
#   1. throttling accuracy: admitted per window against the limit (per-request and lease mode, overload and
#      steady load), over- and under-admission;
#   2. alert latency: first failing request -> alert email accepted by the SMTP server (p50, p95, max).
# Usage: bench/cluster.sh            Environment: ALERTS (samples, default 12), MINUTE_WINDOWS (default 2: whole
#                                    minutes of the 2,000-per-minute steady-load scenarios, run beside the others; 0 skips
#                                    them), NO_BUILD=1 (use what is built)
# Writes bench/results/cluster-latest.md and prints it. Needs redis-server (installed here when missing), python3, .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
ALERTS=${ALERTS:-12}
MINUTE_WINDOWS=${MINUTE_WINDOWS:-2}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v redis-server >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

log() { echo "cluster.sh: $*" >&2; }

if [[ "${NO_BUILD:-}" != 1 ]]; then
    log "building (Release)"
    for project in Silo/Silo.csproj Frontend/Frontend.csproj bench/ClusterBench/ClusterBench.csproj; do
        dotnet build "$project" -c Release -v q -nologo >/dev/null
    done
fi

run_dir="$(mktemp -d "${TMPDIR:-/tmp}/gateway-cluster-bench.XXXXXX")"
pids=()
names=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # TERM everything (frontends first), give them a few seconds, then KILL what is left: no process outlives the run.
    for (( i=${#pids[@]}-1; i>=0; i-- )); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
    local deadline=$((SECONDS + 15))
    for pid in "${pids[@]}"; do
        while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if (( status != 0 )); then log "failed ($status); logs kept in $run_dir"; else rm -rf "$run_dir"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Distinct free loopback ports, all bound at once so that none is handed out twice.
read -r -a ports < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(14)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
PY
)
redis_port=${ports[0]} smtp_port=${ports[1]}
silo_admin=(${ports[2]} ${ports[3]}) silo_port=(${ports[4]} ${ports[5]}) silo_gateway=(${ports[6]} ${ports[7]})
fe_http=(${ports[8]} ${ports[9]}) fe_h2c=(${ports[10]} ${ports[11]}) fe_https=(${ports[12]} ${ports[13]})
token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"

start() { # name, then env assignments and the command
    local name="$1"; shift
    env "$@" >"$run_dir/$name.log" 2>&1 </dev/null &
    pids+=($!); names+=("$name")
}

# GET a path on loopback and succeed on a 200, with bash alone.
http_ok() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3 \
        && head -n 1 <&3 | grep -q ' 200 ') 2>/dev/null
}

wait_ready() { # name port path
    local deadline=$((SECONDS + 120)) pid="${pids[-1]}"
    for i in "${!names[@]}"; do [[ "${names[$i]}" == "$1" ]] && pid="${pids[$i]}"; done
    until http_ok "$2" "$3"; do
        kill -0 "$pid" 2>/dev/null || { tail -n 30 "$run_dir/$1.log" >&2; log "$1 exited"; exit 1; }
        (( SECONDS < deadline )) || { tail -n 30 "$run_dir/$1.log" >&2; log "$1 not ready in 120 s"; exit 1; }
        sleep 0.3
    done
    log "$1 ready"
}

common=(
    "Cluster__Redis=127.0.0.1:$redis_port" Cluster__ClusterId=bench Cluster__ServiceId=gateway Cluster__AdvertisedIP=127.0.0.1
    DOTNET_ENVIRONMENT=Production ASPNETCORE_HTTP_PORTS= Logging__LogLevel__Default=Warning
    Shutdown__TimeoutSeconds=5 Shutdown__DrainDelaySeconds=0
    "Secrets__Keys__bench=$(head -c 32 /dev/urandom | base64)"
)
start redis redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --protected-mode yes --dir "$run_dir"
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break; sleep 0.1; done

for i in 0 1; do
    start "silo-$((i + 1))" "${common[@]}" \
        "Admin__Token=$token" "Admin__Port=${silo_admin[$i]}" "Cluster__SiloPort=${silo_port[$i]}" "Cluster__GatewayPort=${silo_gateway[$i]}" \
        Alerting__Smtp__Host=127.0.0.1 "Alerting__Smtp__Port=$smtp_port" Alerting__Smtp__Security=None Alerting__Smtp__From=gateway@bench.example \
        dotnet Silo/bin/Release/net10.0/Gateway.Silo.dll
done
wait_ready silo-1 "${silo_admin[0]}" /health/ready
wait_ready silo-2 "${silo_admin[1]}" /health/ready
for i in 0 1; do
    start "frontend-$((i + 1))" "${common[@]}" \
        "Frontend__HttpPort=${fe_http[$i]}" "Frontend__Http2Port=${fe_h2c[$i]}" "Frontend__HttpsPort=${fe_https[$i]}" \
        dotnet Frontend/bin/Release/net10.0/Gateway.Frontend.dll
done
wait_ready frontend-1 "${fe_http[0]}" /health/ready
wait_ready frontend-2 "${fe_http[1]}" /health/ready

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
mkdir -p bench/results
rm -f bench/results/cluster-latest.md
dotnet bench/ClusterBench/bin/Release/net10.0/Gateway.Bench.ClusterBench.dll \
    --admin "http://127.0.0.1:${silo_admin[0]}" --token "$token" \
    --frontends "http://127.0.0.1:${fe_http[0]},http://127.0.0.1:${fe_http[1]}" \
    --smtp-port "$smtp_port" --out bench/results/cluster-latest.md --alerts "$ALERTS" --minute-windows "$MINUTE_WINDOWS" \
    --commit "$commit" --frontend-pids "${pids[3]},${pids[4]}" \
    --setup "redis-server (no persistence), 2 silos and 2 frontends as processes (Release build, default gateway settings: Throttling:LeaseShare 0.02, MinLease 4, Frontend:Throttling:CallTimeoutMs 1000, ReportIntervalMs 1000; logs at Warning); the admin API of silo 1 imports the catalog." \
    >/dev/null || status=$?
# Status 3: over-admission was measured (the report says where); the report is printed either way.
[[ -f bench/results/cluster-latest.md ]] && cat bench/results/cluster-latest.md
exit "${status:-0}"
