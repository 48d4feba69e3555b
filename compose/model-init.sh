#!/bin/sh
# The stack's one-shot model init (runs in the model-fetcher image, then exits):
# 1. an empty models volume gets the bundled model, so the first `up` always has one to serve;
# 2. each entry of LANTERN_INIT_MODELS (comma-separated; a preset, or "owner/repo file.gguf") is pulled.
#    A file already there with its digest is not fetched again. A pull that fails (offline, gated
#    without HF_TOKEN) is reported and skipped: the workers start on what the models dir has;
# 3. so is the llama.cpp guide's HF_REPO_ID / HF_FILENAME / HF_REVISION, when set.
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

# 3. the llama.cpp guide's llm_init variables name one more file: HF_FILENAME of HF_REPO_ID at HF_REVISION.
if [ -n "${HF_REPO_ID:-}" ] || [ -n "${HF_FILENAME:-}" ]; then
  if [ -z "${HF_REPO_ID:-}" ] || [ -z "${HF_FILENAME:-}" ]; then
    echo "model init: HF_REPO_ID and HF_FILENAME go together; set both or neither." >&2
    failed="$failed [HF_REPO_ID=${HF_REPO_ID:-} HF_FILENAME=${HF_FILENAME:-}]"
  else
    echo "model init: pulling $HF_REPO_ID $HF_FILENAME (revision ${HF_REVISION:-main})"
    $models pull "$HF_REPO_ID" "$HF_FILENAME" --revision "${HF_REVISION:-main}" || failed="$failed [$HF_REPO_ID $HF_FILENAME]"
  fi
fi

[ -z "$failed" ] || echo "model init: could not pull$failed; the workers serve what the models dir has." >&2
$models list
exit 0
