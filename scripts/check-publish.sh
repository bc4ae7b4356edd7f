#!/usr/bin/env bash
# Checks, without a Docker engine, that Silo/Dockerfile and Frontend/Dockerfile would build a working image:
#   1. runs the exact `dotnet publish` line of each Dockerfile's build stage, with its /app output redirected to a
#      temporary folder;
#   2. checks that the final stage copies that folder whole (COPY --from=build /app/) and that the ENTRYPOINT's
#      assembly, its runtimeconfig.json and deps.json are in it, and no native app host (UseAppHost=false);
#   3. starts the published entry point as the image would (dotnet /app/X.dll, from the publish folder, on free
#      loopback ports) and runs the Dockerfile's own HEALTHCHECK command against it until it passes.
# Usage: scripts/check-publish.sh [Silo|Frontend ...]   (default: both). Exits non-zero on the first failure.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "check-publish: FAIL: $*" >&2; exit 1; }

free_port() {
  # A random high loopback port that nothing answers on (bash only, no other tool needed).
  local port
  while :; do
    port=$(( 20000 + RANDOM % 30000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

check() {
  local project="$1" dockerfile="$1/Dockerfile"
  [[ -f "$dockerfile" ]] || fail "$dockerfile not found"
  echo "== $dockerfile"

  local publish
  publish="$(grep -E '^RUN dotnet publish ' "$dockerfile" | head -n 1 | sed -E 's/^RUN //')"
  [[ -n "$publish" ]] || fail "$dockerfile has no 'RUN dotnet publish' line"
  [[ "$publish" == *" -o /app "* ]] || fail "$dockerfile: the publish line must write to /app (-o /app)"
  grep -qE '^COPY --from=build( --chown=[^ ]+)? /app/ /app/$' "$dockerfile" \
    || fail "$dockerfile: the final stage must copy the publish output whole (COPY --from=build /app/ /app/)"

  local out="$work/$project/app"
  # Same command, same flags; only the output folder differs, and restore runs here (the image restores first).
  local cmd="${publish/ -o \/app / -o $out }"
  cmd="${cmd/ --no-restore/}"
  echo "   $cmd"
  eval "$cmd" >"$work/$project.publish.log" 2>&1 || { tail -n 30 "$work/$project.publish.log" >&2; fail "publish of $project failed"; }

  local dll
  dll="$(grep -E '^ENTRYPOINT \["dotnet", "/app/[^"]+\.dll"\]$' "$dockerfile" | sed -E 's#.*"/app/([^"]+)\.dll".*#\1#')"
  [[ -n "$dll" ]] || fail "$dockerfile: ENTRYPOINT must be [\"dotnet\", \"/app/NAME.dll\"]"
  for f in "$dll.dll" "$dll.runtimeconfig.json" "$dll.deps.json"; do
    [[ -f "$out/$f" ]] || fail "$project: publish output lacks $f, which the image starts"
  done
  [[ ! -e "$out/$dll" ]] || fail "$project: publish output has a native app host ($dll); the image runs 'dotnet $dll.dll'"
  echo "   entry point /app/$dll.dll present; $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1)"

  # The HEALTHCHECK command, as the image runs it (bash -c '...').
  local health
  health="$(grep -A1 '^HEALTHCHECK' "$dockerfile" | grep -E 'CMD \["bash", "-c", ' | sed -E 's/.*CMD \["bash", "-c", "(.*)"\]$/\1/' | sed -e 's/\\\\/\\/g')"
  [[ -n "$health" ]] || fail "$dockerfile: no HEALTHCHECK CMD [\"bash\", \"-c\", ...] found"

  # Start the published entry point on free loopback ports, as the image would, and probe it with that command.
  local env_vars=()
  case "$project" in
    Silo)
      env_vars=("Admin__Port=$(free_port)" "Cluster__SiloPort=$(free_port)" "Cluster__GatewayPort=$(free_port)") ;;
    Frontend)
      env_vars=("Frontend__HttpPort=$(free_port)" "Frontend__Http2Port=$(free_port)" "Admin__Port=$(free_port)"
                "Cluster__SiloPort=$(free_port)" "Cluster__GatewayPort=$(free_port)" "Embedded__SampleBackendPort=$(free_port)") ;;
  esac
  (cd "$out" && exec env ASPNETCORE_HTTP_PORTS= "${env_vars[@]}" dotnet "$out/$dll.dll" >"$work/$project.run.log" 2>&1) &
  local pid=$!
  pids+=("$pid")
  local tries=0
  until env "${env_vars[@]}" bash -c "$health" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$work/$project.run.log" >&2; fail "$project exited before it was healthy"; }
    tries=$((tries + 1))
    (( tries < 120 )) || { tail -n 30 "$work/$project.run.log" >&2; fail "$project: HEALTHCHECK never passed"; }
    sleep 0.5
  done
  echo "   HEALTHCHECK passes against the published $dll (${env_vars[0]})"
  kill -TERM "$pid"
  wait "$pid" || fail "$project did not stop cleanly on SIGTERM (exit $?)"
  pids=("${pids[@]/$pid}")
  echo "   stopped cleanly on SIGTERM"
}

projects=("$@")
(( ${#projects[@]} )) || projects=(Silo Frontend)
for p in "${projects[@]}"; do check "$p"; done
echo "check-publish: OK (${projects[*]})"
