#!/bin/sh
# The all-in-one container's entrypoint (under tini): prepares the data volume on first start, reads the
# config file, picks the worker's backend (INFERENCE_GPU if set to one, else what detect-gpu.sh finds),
# then runs the command (the supervisor of `npm start`, bundled) in its place.
set -eu

image_dir=${LANTERN_IMAGE_DIR:-$(dirname "$0")}
export LANTERN_DATA_DIR="${LANTERN_DATA_DIR:-/data}"
export LANTERN_CONFIG="${LANTERN_CONFIG:-$LANTERN_DATA_DIR/lantern.env}"

say() { echo "[entrypoint] $*" >&2; }

"$image_dir/first-start.sh"
# shellcheck source=config.sh
. "$image_dir/config.sh"
load_config "$LANTERN_CONFIG"

case ${INFERENCE_GPU:-auto} in
  auto)
    INFERENCE_GPU=$("$image_dir/detect-gpu.sh")
    say "inference backend: $INFERENCE_GPU (detected; set INFERENCE_GPU in $LANTERN_CONFIG or with -e to choose)"
    ;;
  cuda | vulkan | cpu)
    say "inference backend: $INFERENCE_GPU (set by INFERENCE_GPU; no detection)"
    ;;
  *)
    say "INFERENCE_GPU=$INFERENCE_GPU is not one of auto, cuda, vulkan, cpu"
    exit 1
    ;;
esac
export INFERENCE_GPU

exec "$@"
