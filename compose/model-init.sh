#!/bin/sh
# The stack's one-shot model init (runs in the model-fetcher image, then exits):
# 1. an empty models volume gets the bundled model, so the first `up` always has one to serve;
# 2. each entry of LANTERN_INIT_MODELS (comma-separated; a preset, or "owner/repo file.gguf") is pulled.
#    A file already there with its digest is not fetched again. A pull that fails (offline, gated
#    without HF_TOKEN) is reported and skipped: the workers start on what the models dir has.
set -u
models="node --enable-source-maps /app/dist/bin/models.js"

$models seed || exit 1

failed=""
old_ifs=$IFS
IFS=,
for entry in ${LANTERN_INIT_MODELS:-}; do
  IFS=$old_ifs
  # shellcheck disable=SC2086 # an entry's words are the pull's arguments
  set -- $entry
  [ $# -eq 0 ] && continue
  echo "model init: pulling $*"
  $models pull "$@" || failed="$failed [$*]"
  IFS=,
done
IFS=$old_ifs

[ -z "$failed" ] || echo "model init: could not pull$failed; the workers serve what the models dir has." >&2
$models list
exit 0
