# shellcheck shell=sh
# Reads the container's config file (LANTERN_CONFIG, /data/lantern.env by default): sourced by the
# entrypoint, so what it exports reaches every service. One KEY=value a line; `#` starts a comment line.
# Values are taken as written (no shell expansion; one pair of surrounding quotes is dropped), so the file
# never runs code. A variable already in the environment (`docker run -e`, or fixed by the image) wins.

config_say() { echo "[config] $*" >&2; }

config_from_file() {
  case $config_keys_from_file in *" $1 "*) return 0 ;; esac
  return 1
}

load_config() {
  config_file=$1
  [ -f "$config_file" ] || return 0
  config_line_no=0
  config_keys_from_file=" "
  cr=$(printf '\r')
  while IFS= read -r config_line || [ -n "$config_line" ]; do
    config_line_no=$((config_line_no + 1))
    config_line=${config_line%"$cr"}
    case $config_line in
      '' | '#'*) continue ;;
    esac
    config_key=${config_line%%=*}
    config_value=${config_line#*=}
    case $config_key in
      "$config_line" | '' | [0-9]* | *[!A-Za-z0-9_]*)
        config_say "$config_file:$config_line_no: not KEY=value, skipped"
        continue
        ;;
    esac
    case $config_value in
      \"*\" | \'*\')
        config_value=${config_value#?}
        config_value=${config_value%?}
        ;;
    esac
    # The key is a checked name, so eval only reads a variable. A key the file repeats: its last line wins.
    if ! config_from_file "$config_key" && eval "[ -n \"\${$config_key+set}\" ]"; then
      config_say "$config_key is set in the container's environment: the file's value is not used"
      continue
    fi
    export "$config_key=$config_value"
    config_keys_from_file="$config_keys_from_file $config_key "
  done <"$config_file"
}
