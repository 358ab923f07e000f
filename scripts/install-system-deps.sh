#!/usr/bin/env bash
# Installs the system packages the build and tests need on a fresh Debian bookworm
# machine (run as root by .ci/run; safe to rerun: installs only what is missing).
# Backends add their needs to the lists below: e.g. cmake and libopenblas-dev for the
# native backend, mesa-vulkan-drivers from bookworm-backports for WebGPU on lavapipe.
set -euo pipefail

# Packages from the bookworm archive. python3-numpy: tests write dlrm's numpy files (the
# --mlperf-bin-loader .bin splits and _fea_count.npz) with Debian's /usr/bin/python3.
APT_PACKAGES=(python3-numpy)
# Packages that must come from bookworm-backports (newer than bookworm's own).
BACKPORTS_PACKAGES=()
# The oldest Node.js major version the workspaces support (package.json "engines").
NODE_MAJOR_MIN=20

# Prints the packages among "$@" that dpkg does not list as installed.
missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

# Fails with a remedy unless node >= NODE_MAJOR_MIN and npm are on the PATH.
check_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "install-system-deps: node and npm are required (Node.js ${NODE_MAJOR_MIN} or newer; Debian's own nodejs is too old)" >&2
    exit 1
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if (( major < NODE_MAJOR_MIN )); then
    echo "install-system-deps: Node.js ${NODE_MAJOR_MIN} or newer is required, found $(node --version)" >&2
    exit 1
  fi
}

install_apt_packages() {
  local missing=() backports=() updated=0
  mapfile -t missing < <(missing_packages "${APT_PACKAGES[@]}")
  mapfile -t backports < <(missing_packages "${BACKPORTS_PACKAGES[@]}")
  if (( ${#backports[@]} > 0 )) && ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian bookworm-backports main" > /etc/apt/sources.list.d/bookworm-backports.list
  fi
  if (( ${#missing[@]} > 0 || ${#backports[@]} > 0 )); then
    apt-get update
    updated=1
  fi
  if (( ${#missing[@]} > 0 )); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
  if (( ${#backports[@]} > 0 )); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -t bookworm-backports "${backports[@]}"
  fi
  if (( updated == 0 )); then
    echo "install-system-deps: no system packages missing"
  fi
}

check_node
install_apt_packages
