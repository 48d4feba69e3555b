#!/usr/bin/env sh
# Stops the Lantern stack started by start.sh: every profile's containers. Volumes (models, NATS,
# Postgres) are kept; `./stop.sh --volumes` removes them too.
set -eu
cd "$(dirname "$0")"
compose() {
  if docker compose version >/dev/null 2>&1; then docker compose "$@"; else docker-compose "$@"; fi
}
env_file=.env
[ -f "$env_file" ] || env_file=.env.example
# `down` needs no secrets, only the file to parse: placeholders cover any left empty.
NATS_PASSWORD=unused NATS_WORKER_PASSWORD=unused POSTGRES_PASSWORD=unused ADMIN_TOKEN=unused-unused-unused \
  compose --env-file "$env_file" -p lantern -f compose/compose.yaml \
  --profile cpu --profile cuda --profile vulkan --profile observability down --remove-orphans "$@"
