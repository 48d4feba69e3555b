#!/bin/sh
# First start of the all-in-one container: makes the data volume's layout, copies the image's default
# models into its models dir when that holds no model yet, and writes the default config file when there
# is none. Later starts change nothing: the volume's models and config are the user's.
set -eu

data_dir=${LANTERN_DATA_DIR:-/data}
models_dir=${MODELS_DIR:-$data_dir/models}
default_models=${LANTERN_DEFAULT_MODELS:-/app/default-models}
config_file=${LANTERN_CONFIG:-$data_dir/lantern.env}
config_template=${LANTERN_CONFIG_TEMPLATE:-/app/image/lantern.env}

say() { echo "[first-start] $*" >&2; }

if ! mkdir -p "$models_dir" 2>/dev/null || ! [ -w "$data_dir" ] || ! [ -w "$models_dir" ]; then
  say "cannot write to $data_dir (this container runs as uid $(id -u)): use a named volume, or chown $(id -u) the host dir you mount there"
  exit 1
fi

has_model() {
  for file in "$1"/*.gguf; do
    [ -e "$file" ] && return 0
  done
  return 1
}

if ! has_model "$models_dir"; then
  copied=0
  for model in "$default_models"/*.gguf; do
    [ -e "$model" ] || continue
    name=${model##*/}
    # Copied under a temporary name, then renamed: an interrupted copy never looks like a model.
    cp "$model" "$models_dir/.$name.part"
    mv "$models_dir/.$name.part" "$models_dir/$name"
    say "copied the default model $name into $models_dir"
    copied=$((copied + 1))
  done
  [ "$copied" -gt 0 ] || say "no model in $models_dir and none bundled in $default_models"
fi

if [ ! -e "$config_file" ]; then
  cp "$config_template" "$config_file"
  say "wrote the default config to $config_file: edit it and restart the container to change settings"
fi
