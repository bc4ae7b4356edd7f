#!/usr/bin/env bash
# Checks, without a Docker engine, that the Dockerfile's two targets (silo, frontend) would build a working image:
#   1. runs the Dockerfile's web stage (WORKDIR, COPY and RUN lines: npm ci and the console's build) in a temporary
#      folder standing for the stage's file system, and checks that it yields the console and the Redoc bundle that
#      the build stage copies from it (COPY --from=web), and that they equal what the publish below ships;
#      then runs the exact `dotnet publish` line of the target's publish stage (publish-<target>), with its /app
#      output redirected to a temporary folder;
#   2. checks that the target's stage copies that folder whole (COPY --from=publish-<target> /app/) and that the
#      ENTRYPOINT's assembly, its runtimeconfig.json and deps.json are in it, and no native app host (UseAppHost=false);
#   3. starts the published entry point as the image would (dotnet /app/X.dll, from the publish folder, on free
#      loopback ports) and runs the target's own HEALTHCHECK command against it until it passes; then asks the
#      admin port for /console/ and the documentation renderer, which must answer 200.
# Usage: scripts/check-publish.sh [silo|frontend ...]   (default: both). Exits non-zero on the first failure.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
dockerfile=Dockerfile
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "check-publish: FAIL: $*" >&2; exit 1; }

# The lines of the Dockerfile's stage "FROM ... AS $1", without its FROM line.
stage_lines() {
  awk -v stage="$1" '/^FROM /{on = ($NF == stage); next} on' "$dockerfile"
}

free_port() {
  # A random loopback port that nothing answers on (bash only, no other tool needed), below the kernel's ephemeral
  # range (from 32768), where outgoing connections take their local ports and could take it before it is bound.
  local port
  while :; do
    port=$(( 20000 + RANDOM % 12000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Runs the WORKDIR, COPY and RUN lines of the stage "FROM ... AS $2" of Dockerfile $1, with $3 as the stage's root.
run_stage() {
  local dockerfile="$1" stage="$2" root="$3" in_stage=0 dir="/" line
  mkdir -p "$root"
  while IFS= read -r line; do
    if [[ "$line" =~ ^FROM\  ]]; then
      [[ "$line" == *" AS $stage" ]] && in_stage=1 || { (( in_stage )) && break; in_stage=0; }
      continue
    fi
    (( in_stage )) || continue
    case "$line" in
      "WORKDIR "*) dir="${line#WORKDIR }"; mkdir -p "$root$dir" ;;
      "COPY --from="*) fail "$dockerfile: stage $stage copies from another stage, which this check does not model: $line" ;;
      "COPY "*)
        local args=(${line#COPY }) dest
        dest="${args[-1]}"; unset 'args[-1]'
        [[ "$dest" == /* ]] || dest="$dir/$dest"
        mkdir -p "$root$dest"
        for src in "${args[@]}"; do
          if [[ -d "$repo/$src" ]]; then cp -R "$repo/${src%/}/." "$root$dest/"; else cp "$repo/$src" "$root$dest/"; fi
        done ;;
      "RUN "*)
        echo "   [$stage] $dir: ${line#RUN }"
        (cd "$root$dir" && bash -c "${line#RUN }") >>"$work/$stage.log" 2>&1 || { tail -n 30 "$work/$stage.log" >&2; fail "$dockerfile: stage $stage: '${line#RUN }' failed"; } ;;
      "#"*|"") ;;
      *) fail "$dockerfile: stage $stage has a line this check does not model: $line" ;;
    esac
  done <"$dockerfile"
  (( in_stage )) || [[ -d "$root/src" ]] || fail "$dockerfile has no stage '$stage'"
}

# Asks the host on 127.0.0.1:$1 for path $2 (HTTP/1.0, bash only) and prints the status line.
http_status() {
  ( exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3 && head -n 1 <&3 ) 2>/dev/null | tr -d '\r'
}

check() {
  local target="$1"
  [[ -f "$dockerfile" ]] || fail "$dockerfile not found"
  grep -qE "^FROM .* AS $target\$" "$dockerfile" || fail "$dockerfile has no target '$target'"
  echo "== $dockerfile, target $target"

  local publish project
  publish="$(stage_lines "publish-$target" | grep -E '^RUN dotnet publish ' | head -n 1 | sed -E 's/^RUN //')"
  [[ -n "$publish" ]] || fail "$dockerfile: stage publish-$target has no 'RUN dotnet publish' line"
  [[ "$publish" == *" -o /app "* ]] || fail "$dockerfile: the publish line must write to /app (-o /app)"
  project="$(sed -E 's#^dotnet publish ([A-Za-z]+)/\1\.csproj .*#\1#' <<<"$publish")"
  [[ -f "$project/$project.csproj" ]] || fail "$dockerfile: the publish line of $target names no project of the repository"
  stage_lines "$target" | grep -qE "^COPY --from=publish-$target( --chown=[^ ]+)? /app/ /app/\$" \
    || fail "$dockerfile: target $target must copy the publish output whole (COPY --from=publish-$target /app/ /app/)"

  # The web stage, and what the build stage takes from it; both targets share it, so it runs once.
  local web="$work/web"
  if [[ -d "$web" ]]; then echo "   web stage: built once for both targets"; else run_stage "$dockerfile" web "$web"; fi
  [[ -f "$web/src/console/dist/index.html" ]] || fail "$dockerfile: the web stage built no console/dist/index.html"
  stage_lines build | grep -qE '^COPY --from=web /src/console/dist/ console/dist/$' \
    || fail "$dockerfile: the build stage must copy the built console (COPY --from=web /src/console/dist/ console/dist/)"
  local redoc=Silo/Docs/renderer/node_modules/redoc/bundles/redoc.standalone.js
  [[ -f "$web/src/$redoc" ]] || fail "$dockerfile: the web stage installed no $redoc"
  stage_lines build | grep -qE "^COPY --from=web /src/$redoc $(dirname "$redoc")/\$" \
    || fail "$dockerfile: the build stage must copy the Redoc bundle from the web stage"
  echo "   web stage: console $(find "$web/src/console/dist" -type f | wc -l) files, Redoc bundle $(du -h "$web/src/$redoc" | cut -f1)"

  local out="$work/$project/app"
  # Same command, same flags; only the output folder differs, and restore runs here (the image restores first).
  local cmd="${publish/ -o \/app / -o $out }"
  cmd="${cmd/ --no-restore/}"
  echo "   $cmd"
  eval "$cmd" >"$work/$project.publish.log" 2>&1 || { tail -n 30 "$work/$project.publish.log" >&2; fail "publish of $project failed"; }

  local dll
  dll="$(stage_lines "$target" | grep -E '^ENTRYPOINT \["dotnet", "/app/[^"]+\.dll"\]$' | sed -E 's#.*"/app/([^"]+)\.dll".*#\1#')"
  [[ -n "$dll" ]] || fail "$dockerfile: target $target's ENTRYPOINT must be [\"dotnet\", \"/app/NAME.dll\"]"
  for f in "$dll.dll" "$dll.runtimeconfig.json" "$dll.deps.json"; do
    [[ -f "$out/$f" ]] || fail "$project: publish output lacks $f, which the image starts"
  done
  [[ ! -e "$out/$dll" ]] || fail "$project: publish output has a native app host ($dll); the image runs 'dotnet $dll.dll'"
  echo "   entry point /app/$dll.dll present; $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1)"

  # The publish here takes console/dist from the work tree, the image's from the web stage: they must be the same build.
  diff -r "$web/src/console/dist" "$out/console" >/dev/null \
    || fail "$project: the published console/ differs from what the image's web stage builds (console/dist is stale: run bash console/build.sh)"
  cmp -s "$web/src/$redoc" "$out/docs-renderer/redoc.standalone.js" \
    || fail "$project: the published docs-renderer/redoc.standalone.js differs from the web stage's"

  # The HEALTHCHECK command, as the image runs it (bash -c '...').
  local health
  health="$(stage_lines "$target" | grep -A1 '^HEALTHCHECK' | grep -E 'CMD \["bash", "-c", ' | sed -E 's/.*CMD \["bash", "-c", "(.*)"\]$/\1/' | sed -e 's/\\\\/\\/g')"
  [[ -n "$health" ]] || fail "$dockerfile: target $target has no HEALTHCHECK CMD [\"bash\", \"-c\", ...] found"

  # Start the published entry point on free loopback ports, as the image would, and probe it with that command. A
  # port picked free can be taken by another process before the entry point binds it: then again, on new ports.
  local env_vars=() pid attempt
  for attempt in 1 2 3; do
    case "$target" in
      silo)
        env_vars=("Admin__Port=$(free_port)" "Cluster__SiloPort=$(free_port)" "Cluster__GatewayPort=$(free_port)") ;;
      frontend)
        env_vars=("Frontend__HttpPort=$(free_port)" "Frontend__Http2Port=$(free_port)" "Admin__Port=$(free_port)"
                  "Cluster__SiloPort=$(free_port)" "Cluster__GatewayPort=$(free_port)" "Embedded__SampleBackendPort=$(free_port)") ;;
      *) fail "$target: no ports known for this target" ;;
    esac
    (cd "$out" && exec env ASPNETCORE_HTTP_PORTS= "${env_vars[@]}" dotnet "$out/$dll.dll" >"$work/$project.run.log" 2>&1) &
    pid=$!
    pids+=("$pid")
    local tries=0 exited=""
    until env "${env_vars[@]}" bash -c "$health" 2>/dev/null; do
      kill -0 "$pid" 2>/dev/null || { exited=1; break; }
      tries=$((tries + 1))
      (( tries < 120 )) || { tail -n 30 "$work/$project.run.log" >&2; fail "$project: HEALTHCHECK never passed"; }
      sleep 0.5
    done
    [[ -z "$exited" ]] && break
    if (( attempt < 3 )) && grep -q "Address already in use" "$work/$project.run.log"; then
      echo "   a port was taken before $dll bound it; again on other ports"
      continue
    fi
    tail -n 30 "$work/$project.run.log" >&2
    fail "$project exited before it was healthy"
  done
  echo "   HEALTHCHECK passes against the published $dll (${env_vars[0]})"

  # The admin host serves what the web stage built (the frontend's embedded default hosts one too).
  local admin_port
  admin_port="$(printf '%s\n' "${env_vars[@]}" | sed -n 's/^Admin__Port=//p')"
  local asset
  asset="$(grep -oE '/console/assets/[^"]+\.js' "$out/console/index.html" | head -n 1)"
  [[ -n "$asset" ]] || fail "$project: console/index.html names no script under /console/assets/"
  for path in /console/ "$asset" /docs-renderer/redoc.standalone.js; do
    local status
    status="$(http_status "$admin_port" "$path")"
    [[ "$status" == *" 200 "* ]] || fail "$project: GET $path on the admin port answered '$status', not 200"
  done
  echo "   the admin port serves /console/, $asset and the Redoc bundle"
  kill -TERM "$pid"
  wait "$pid" || fail "$project did not stop cleanly on SIGTERM (exit $?)"
  pids=("${pids[@]/$pid}")
  echo "   stopped cleanly on SIGTERM"
}

targets=("$@")
(( ${#targets[@]} )) || targets=(silo frontend)
for t in "${targets[@]}"; do check "$t"; done
echo "check-publish: OK (${targets[*]})"
