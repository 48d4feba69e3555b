#!/usr/bin/env sh
# Starts the Lantern stack in containers: stops a running one first, builds the images, starts the
# services, waits until every one is healthy and prints where to reach them.
#   ./start.sh                      the CPU pool (or LANTERN_PROFILES from .env)
#   ./start.sh cuda                 an NVIDIA pool;  ./start.sh cuda cpu  a CUDA pool and a CPU pool
#   ./start.sh vulkan --observability --scale inference-vulkan=2
# Any other argument after the pools goes to `docker compose up` as it is.
set -eu
cd "$(dirname "$0")"

compose() {
  if docker compose version >/dev/null 2>&1; then docker compose "$@"; else docker-compose "$@"; fi
}

# .env: created from .env.example on the first run, with fresh random secrets where they are empty.
if [ ! -f .env ]; then
  cp .env.example .env
  echo "Created .env from .env.example."
fi
secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
for key in NATS_PASSWORD NATS_WORKER_PASSWORD POSTGRES_PASSWORD ADMIN_TOKEN; do
  if grep -q "^$key=$" .env; then
    value=$(secret)
    sed -i.bak "s/^$key=$/$key=$value/" .env && rm -f .env.bak
    echo "Generated $key in .env."
  fi
done

profiles=""
observability=""
while [ $# -gt 0 ]; do
  case "$1" in
    cpu|cuda|vulkan) profiles="$profiles $1" ;;
    --observability) observability=1 ;;
    *) break ;;
  esac
  shift
done
if [ -z "$profiles" ]; then
  profiles=$(sed -n 's/^LANTERN_PROFILES=//p' .env | tr ',' ' ')
  [ -n "$profiles" ] || profiles=cpu
fi

# What is left in "$@" goes to `up` as it is.
global="--env-file .env -p lantern -f compose/compose.yaml"
for p in $profiles; do global="$global --profile $p"; done
if [ -n "$observability" ]; then
  global="$global --profile observability"
  export OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318
fi
case " $profiles " in
  *" vulkan "*)
    if [ -z "${RENDER_GID:-}" ] && [ -e /dev/dri ]; then
      RENDER_GID=$(stat -c %g /dev/dri/renderD* 2>/dev/null | head -n 1 || true)
      [ -n "$RENDER_GID" ] && export RENDER_GID
    fi ;;
esac

echo "Stopping a running stack (if any) ..."
# shellcheck disable=SC2086
NATS_PASSWORD=unused NATS_WORKER_PASSWORD=unused POSTGRES_PASSWORD=unused ADMIN_TOKEN=unused-unused-unused \
  compose $global --profile cpu --profile cuda --profile vulkan --profile observability down --remove-orphans >/dev/null 2>&1 || true

echo "Starting Lantern (pools:$profiles${observability:+, observability}) ..."
# shellcheck disable=SC2086
compose $global up -d --build "$@"

# What a container's latest health check printed (a worker's lists its models, a failed one with
# its reason; the gateway's says what it still waits for).
last_health_output() {
  docker inspect -f '{{if .State.Health}}{{range .State.Health.Log}}@@check@@{{println}}{{.Output}}{{end}}{{end}}' "$1" |
    awk '/^@@check@@$/ { out = ""; next } { out = out $0 "\n" } END { printf "%s", out }'
}

# Wait until every running service reports healthy (the one-shot model init just has to have exited
# 0). Workers are healthy once their models have loaded, the gateway once a worker has one loaded. A
# model that failed to load stops the wait: it will not load by waiting longer.
echo "Waiting for every service to be healthy (workers: until their models are loaded) ..."
deadline=$(( $(date +%s) + ${LANTERN_START_TIMEOUT_S:-600} ))
while :; do
  # shellcheck disable=SC2086
  ids=$(compose $global ps -q)
  pending=""
  failed_models=""
  for id in $ids; do
    read -r name status health code <<INSPECT
$(docker inspect -f '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}' "$id")
INSPECT
    name=${name#/}
    case "$status/$health" in
      running/healthy) ;;
      exited/none) [ "$code" = 0 ] || { echo "$name exited with code $code; its log:"; docker logs --tail 40 "$id"; exit 1; } ;;
      */unhealthy)
        echo "$name is unhealthy; its last health check said:"
        last_health_output "$id" | sed 's/^/  /'
        echo "Its log:"; docker logs --tail 40 "$id"; exit 1 ;;
      *) pending="$pending $name" ;;
    esac
    case "$name" in
      *inference-*)
        failed=$(last_health_output "$id" | grep '^model .* failed to load: ' || true)
        [ -z "$failed" ] || failed_models="$failed_models$(printf '%s\n' "$failed" | sed "s|^model |  $name: |")
" ;;
    esac
  done
  if [ -n "$failed_models" ]; then
    echo "Lantern is not ready: a model failed to load."
    printf '%s' "$failed_models"
    echo "The stack is still running. Fix INFERENCE_MODELS (or pull the file: LANTERN_INIT_MODELS) in .env and run ./start.sh again; ./stop.sh stops it."
    exit 1
  fi
  [ -z "$pending" ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "Still not healthy:$pending"
    for id in $ids; do
      name=$(docker inspect -f '{{.Name}}' "$id"); output=$(last_health_output "$id")
      case " $pending " in *" ${name#/} "*) [ -z "$output" ] || { echo "${name#/}:"; printf '%s\n' "$output" | sed 's/^/  /'; } ;; esac
    done
    exit 1
  fi
  sleep 3
done

port() { sed -n "s/^$1=//p" .env | tail -n 1; }
gateway_port=$(port GATEWAY_PORT); admin_port=$(port ADMIN_PORT)
echo
echo "Lantern is up."
echo "  API and web UI  http://localhost:${gateway_port:-8002}      (OpenAI-compatible under /v1)"
echo "  Admin API       http://localhost:${admin_port:-8001}/docs  (Authorization: Bearer \$ADMIN_TOKEN from .env)"
echo "  NATS monitor    http://localhost:$(port NATS_MONITOR_PORT | grep . || echo 8222)"
if [ -n "$observability" ]; then
  echo "  Traces (Jaeger) http://localhost:$(port JAEGER_UI_PORT | grep . || echo 16686)"
  echo "  Prometheus      http://localhost:$(port PROMETHEUS_PORT | grep . || echo 9090)"
fi
echo "Stop with ./stop.sh"
