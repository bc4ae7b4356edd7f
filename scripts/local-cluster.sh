#!/usr/bin/env bash
# A local gateway cluster on one machine, with the settings the Helm chart gives its pods:
#   redis-server (loopback, password) + 2 silos + 2 frontends as processes.
#
#   scripts/local-cluster.sh start [--catalog FILE]   build, start everything, wait until ready, print where it listens
#   scripts/local-cluster.sh status                   which processes run, and their health
#   scripts/local-cluster.sh env                      the addresses and token as KEY=VALUE lines (for tests: eval it)
#   scripts/local-cluster.sh stop                     SIGTERM in reverse order (frontends, silos, Redis), then wait
#
# Environment: GATEWAY_RUN_DIR (pid files, logs; default $TMPDIR/gateway-local-cluster), GATEWAY_PORT_OFFSET (added
# to every port, so that several clusters can run side by side; default 0), GATEWAY_ADMIN_TOKEN (default: generated),
# CONFIGURATION (Debug or Release; default Debug), GATEWAY_NO_BUILD=1 (skip the build).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_dir="${GATEWAY_RUN_DIR:-${TMPDIR:-/tmp}/gateway-local-cluster}"
offset="${GATEWAY_PORT_OFFSET:-0}"
configuration="${CONFIGURATION:-Debug}"

redis_port=$((16379 + offset))
silo_admin=($((8081 + offset)) $((8091 + offset)))
silo_port=($((11111 + offset)) $((11112 + offset)))
silo_gateway=($((30000 + offset)) $((30001 + offset)))
frontend_http=($((8080 + offset)) $((8090 + offset)))
frontend_h2c=($((8082 + offset)) $((8092 + offset)))
frontend_https=($((8443 + offset)) $((8453 + offset)))
shutdown_timeout=30

silo_dll="$repo/Silo/bin/$configuration/net10.0/Gateway.Silo.dll"
frontend_dll="$repo/Frontend/bin/$configuration/net10.0/Gateway.Frontend.dll"

log() { echo "local-cluster: $*"; }
die() { echo "local-cluster: $*" >&2; exit 1; }

# GET a path on loopback and succeed on a 200, with bash alone (no curl needed).
http_ok() {
  local port="$1" path="$2"
  (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$path" >&3 \
    && head -n 1 <&3 | grep -q ' 200 ') 2>/dev/null
}

alive() { [[ -f "$run_dir/$1.pid" ]] && kill -0 "$(cat "$run_dir/$1.pid")" 2>/dev/null; }

wait_until() {
  local what="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    alive "$what" || { tail -n 20 "$run_dir/$what.log" >&2; die "$what exited; its log is $run_dir/$what.log"; }
    (( SECONDS < deadline )) || { tail -n 20 "$run_dir/$what.log" >&2; die "$what not ready after $seconds s; log: $run_dir/$what.log"; }
    sleep 0.3
  done
}

redis_ping() {
  (exec 3<>"/dev/tcp/127.0.0.1/$redis_port" && printf 'AUTH %s\r\nPING\r\n' "$(cat "$run_dir/redis-password")" >&3 \
    && head -n 2 <&3 | grep -q PONG) 2>/dev/null
}

# The environment a pod of the chart gets (configmap-settings.yaml + the pod's env), for this machine.
cluster_env() {
  echo "Cluster__Redis=127.0.0.1:$redis_port,password=$(cat "$run_dir/redis-password"),abortConnect=false"
  echo "Cluster__ClusterId=local"
  echo "Cluster__ServiceId=gateway"
  echo "Cluster__AdvertisedIP=127.0.0.1"
  echo "Secrets__KeyDirectory=$run_dir/secret-keys"
  echo "Shutdown__TimeoutSeconds=$shutdown_timeout"
  echo "Shutdown__DrainDelaySeconds=0"
  echo "ASPNETCORE_HTTP_PORTS="
}

start_process() {
  local name="$1"; shift
  # setsid: the process outlives this script and its terminal; it is stopped by its pid file only.
  setsid env "$@" >"$run_dir/$name.log" 2>&1 < /dev/null &
  echo $! >"$run_dir/$name.pid"
}

start() {
  local catalog=""
  if [[ "${1:-}" == "--catalog" ]]; then
    [[ -f "${2:-}" ]] || die "--catalog needs a file (got '${2:-}')"
    catalog="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
  fi
  command -v redis-server >/dev/null || die "redis-server is not installed (Debian: apt-get install redis-server)"
  for name in redis silo-1 silo-2 frontend-1 frontend-2; do
    alive "$name" && die "$name is already running (pid $(cat "$run_dir/$name.pid")); run '$0 stop' first"
  done
  mkdir -p "$run_dir"
  chmod 700 "$run_dir"

  if [[ "${GATEWAY_NO_BUILD:-}" != 1 ]]; then
    log "building ($configuration)"
    dotnet build "$repo/Frontend/Frontend.csproj" -c "$configuration" -v quiet -nologo >"$run_dir/build.log" 2>&1 \
      || { tail -n 30 "$run_dir/build.log" >&2; die "build failed; log: $run_dir/build.log"; }
  fi
  [[ -f "$silo_dll" && -f "$frontend_dll" ]] || die "built assemblies not found ($silo_dll, $frontend_dll)"

  [[ -s "$run_dir/redis-password" ]] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$run_dir/redis-password")
  # The key ring that encrypts stored secrets, as the chart mounts it: one file per key id. Kept across restarts.
  [[ -s "$run_dir/secret-keys/k1" ]] || (umask 077; mkdir -p "$run_dir/secret-keys"; head -c 32 /dev/urandom | base64 >"$run_dir/secret-keys/k1")
  if [[ -n "${GATEWAY_ADMIN_TOKEN:-}" ]]; then
    (umask 077; printf '%s' "$GATEWAY_ADMIN_TOKEN" >"$run_dir/admin-token")
  elif [[ ! -s "$run_dir/admin-token" ]]; then
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$run_dir/admin-token")
  fi

  start_process redis redis-server --bind 127.0.0.1 --port "$redis_port" --requirepass "$(cat "$run_dir/redis-password")" \
    --save "" --appendonly no --dir "$run_dir"
  wait_until redis 20 redis_ping

  mapfile -t env_lines < <(cluster_env)
  for i in 0 1; do
    local name="silo-$((i + 1))"
    local extra=()
    [[ -n "$catalog" ]] && extra=("Catalog__File=$catalog")
    start_process "$name" "${env_lines[@]}" "${extra[@]}" \
      "Admin__Token=$(cat "$run_dir/admin-token")" "Admin__Port=${silo_admin[$i]}" \
      "Cluster__SiloPort=${silo_port[$i]}" "Cluster__GatewayPort=${silo_gateway[$i]}" \
      dotnet "$silo_dll"
    wait_until "$name" 90 http_ok "${silo_admin[$i]}" /health/ready
    log "$name ready"
  done
  for i in 0 1; do
    local name="frontend-$((i + 1))"
    start_process "$name" "${env_lines[@]}" \
      "Frontend__HttpPort=${frontend_http[$i]}" "Frontend__Http2Port=${frontend_h2c[$i]}" "Frontend__HttpsPort=${frontend_https[$i]}" \
      dotnet "$frontend_dll"
    wait_until "$name" 90 http_ok "${frontend_http[$i]}" /health/ready
    log "$name ready"
  done
  print_where
}

print_where() {
  cat <<INFO

Gateway.Orleans local cluster (cluster id 'local'; run dir $run_dir)
  redis-server   127.0.0.1:$redis_port (password in $run_dir/redis-password)
  silo-1         admin API http://127.0.0.1:${silo_admin[0]}   silo port ${silo_port[0]}   gateway port ${silo_gateway[0]}
  silo-2         admin API http://127.0.0.1:${silo_admin[1]}   silo port ${silo_port[1]}   gateway port ${silo_gateway[1]}
  frontend-1     http://127.0.0.1:${frontend_http[0]}   h2c http://127.0.0.1:${frontend_h2c[0]}   https://127.0.0.1:${frontend_https[0]}
  frontend-2     http://127.0.0.1:${frontend_http[1]}   h2c http://127.0.0.1:${frontend_h2c[1]}   https://127.0.0.1:${frontend_https[1]}
  admin token    $run_dir/admin-token
  logs           $run_dir/*.log

  curl -H "Authorization: Bearer \$(cat $run_dir/admin-token)" http://127.0.0.1:${silo_admin[0]}/v1/catalog/revision
  $0 stop
INFO
}

status() {
  local any=0
  for entry in "redis:$redis_port:" "silo-1:${silo_admin[0]}:/health/ready" "silo-2:${silo_admin[1]}:/health/ready" \
               "frontend-1:${frontend_http[0]}:/health/ready" "frontend-2:${frontend_http[1]}:/health/ready"; do
    IFS=: read -r name port path <<<"$entry"
    if alive "$name"; then
      any=1
      local health="-"
      if [[ -n "$path" ]]; then http_ok "$port" "$path" && health="ready" || health="not ready"; fi
      printf '  %-11s pid %-7s port %-6s %s\n' "$name" "$(cat "$run_dir/$name.pid")" "$port" "$health"
    else
      printf '  %-11s stopped\n' "$name"
    fi
  done
  (( any )) || return 3
}

print_env() {
  [[ -s "$run_dir/admin-token" ]] || die "not started (no $run_dir/admin-token)"
  echo "GATEWAY_REDIS=127.0.0.1:$redis_port,password=$(cat "$run_dir/redis-password"),abortConnect=false"
  echo "GATEWAY_ADMIN_TOKEN=$(cat "$run_dir/admin-token")"
  echo "GATEWAY_ADMIN_URLS=http://127.0.0.1:${silo_admin[0]},http://127.0.0.1:${silo_admin[1]}"
  echo "GATEWAY_FRONTEND_URLS=http://127.0.0.1:${frontend_http[0]},http://127.0.0.1:${frontend_http[1]}"
  echo "GATEWAY_FRONTEND_H2C_URLS=http://127.0.0.1:${frontend_h2c[0]},http://127.0.0.1:${frontend_h2c[1]}"
}

stop() {
  local stopped=0
  for name in frontend-2 frontend-1 silo-2 silo-1 redis; do
    [[ -f "$run_dir/$name.pid" ]] || continue
    local pid
    pid="$(cat "$run_dir/$name.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      # A silo hands its grains over within its shutdown timeout; give it that, then a little more.
      local deadline=$((SECONDS + shutdown_timeout + 5))
      while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
      if kill -0 "$pid" 2>/dev/null; then
        log "$name (pid $pid) did not stop within $((shutdown_timeout + 5)) s: killing it"
        kill -KILL "$pid" 2>/dev/null || true
      else
        log "$name stopped"
      fi
      stopped=$((stopped + 1))
    fi
    rm -f "$run_dir/$name.pid"
  done
  (( stopped )) || log "nothing was running"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  env) print_env ;;
  *) echo "usage: $0 start [--catalog FILE] | stop | status | env" >&2; exit 2 ;;
esac
