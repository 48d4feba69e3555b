#!/bin/sh
# Picks the inference worker's backend for the hardware this container sees, in the order
# NVIDIA (cuda) -> AMD (vulkan) -> CPU, and prints it (one word on stdout); what it found goes to stderr.
# Its roots come from the environment so tests can hand it a fake /dev and /sys (and a fake nvidia-smi on PATH).
set -u

dev_root=${LANTERN_DEV_ROOT:-/dev}
sys_root=${LANTERN_SYS_ROOT:-/sys}
# The oldest driver the image's CUDA 12 runtime runs on.
min_nvidia_driver=${LANTERN_MIN_NVIDIA_DRIVER:-525}

say() { echo "[detect-gpu] $*" >&2; }

# NVIDIA: the NVIDIA Container Toolkit (`--gpus all`) mounts the driver and nvidia-smi into the container.
nvidia_usable() {
  if command -v nvidia-smi >/dev/null 2>&1; then
    gpus=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null) || gpus=""
    if [ -n "$gpus" ]; then
      driver=$(printf '%s\n' "$gpus" | head -n 1 | sed 's/.*,[[:space:]]*//')
      major=${driver%%.*}
      case $major in
        '' | *[!0-9]*)
          say "NVIDIA GPU found, but its driver version ($driver) is unreadable: not using CUDA"
          return 1
          ;;
      esac
      if [ "$major" -lt "$min_nvidia_driver" ]; then
        say "NVIDIA driver $driver is older than $min_nvidia_driver, which CUDA 12 needs: not using CUDA"
        return 1
      fi
      printf '%s\n' "$gpus" | while IFS= read -r gpu; do say "NVIDIA GPU: $gpu"; done
      return 0
    fi
    say "nvidia-smi is here but lists no GPU"
  fi
  for node in "$dev_root"/nvidia[0-9]*; do
    [ -e "$node" ] || continue
    say "$node exists but nvidia-smi does not answer: start the container with --gpus all (NVIDIA Container Toolkit)"
    break
  done
  return 1
}

# AMD: a render node whose PCI vendor is AMD (0x1002), which this user can open. node-llama-cpp runs it
# through Vulkan (Mesa's radv driver); no ROCm is needed.
amd_usable() {
  for node in "$dev_root"/dri/renderD*; do
    [ -e "$node" ] || continue
    name=${node##*/}
    vendor=$(cat "$sys_root/class/drm/$name/device/vendor" 2>/dev/null) || vendor=unknown
    if [ "$vendor" != 0x1002 ]; then
      say "$node: GPU vendor $vendor is not AMD: skipped (INFERENCE_GPU=vulkan uses it anyway)"
      continue
    fi
    if [ ! -r "$node" ] || [ ! -w "$node" ]; then
      say "$node: AMD GPU, but this user cannot open it: add --group-add \$(stat -c %g $node) to docker run"
      continue
    fi
    say "AMD GPU at $node"
    if [ -e "$dev_root/kfd" ]; then say "$dev_root/kfd is here too (ROCm); Lantern uses the GPU through Vulkan"; fi
    return 0
  done
  return 1
}

if nvidia_usable; then
  echo cuda
elif amd_usable; then
  echo vulkan
else
  say "no usable GPU found: the CPU"
  echo cpu
fi
