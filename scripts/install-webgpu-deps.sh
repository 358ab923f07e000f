#!/usr/bin/env bash
# Installs what the WebGPU backend needs on a Debian bookworm machine without a GPU:
# Mesa's lavapipe (a Vulkan driver on the CPU) from bookworm-backports, since bookworm's
# own mesa-vulkan-drivers (22.3) lacks a feature Dawn requires. Run as root; idempotent:
# adds the backports source only when missing, installs only when the version is too old.
set -euo pipefail

# The oldest Mesa major version Dawn accepts on lavapipe.
MESA_MAJOR_MIN=25
BACKPORTS_LIST=/etc/apt/sources.list.d/bookworm-backports.list

# Prints the installed major version of mesa-vulkan-drivers, or 0 when it is not installed.
installed_major() {
  local v
  v="$(dpkg-query -W -f='${Status} ${Version}' mesa-vulkan-drivers 2>/dev/null || true)"
  case "$v" in
    "install ok installed "*) v="${v#install ok installed }"; v="${v#*:}"; echo "${v%%.*}" ;;
    *) echo 0 ;;
  esac
}

if (( $(installed_major) >= MESA_MAJOR_MIN )); then
  echo "install-webgpu-deps: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) already installed"
  exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
  echo "install-webgpu-deps: run as root (apt-get needs it)" >&2
  exit 1
fi

if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" > "$BACKPORTS_LIST"
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1

if (( $(installed_major) < MESA_MAJOR_MIN )); then
  echo "install-webgpu-deps: mesa-vulkan-drivers is still older than ${MESA_MAJOR_MIN} after install" >&2
  exit 1
fi
echo "install-webgpu-deps: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) installed"
