#!/usr/bin/env bash
# Installs the system packages the native addons build with, on Debian or Ubuntu: for the
# native backend (@dlrm/backend-gaudi) CMake, a C++17 compiler, OpenBLAS (cblas + libopenblas,
# and its OpenMP build, which shares the process's one thread pool) and oneDNN
# (libdnnl-dev, optional: the large GEMMs run there when present); for the Open MPI
# communicator (@dlrm/comm-mpi) Open MPI's mpirun and libmpi with its headers
# (openmpi-bin libopenmpi-dev). Run as root or with sudo available; safe to run again.
# Then: npm run build -w @dlrm/backend-gaudi && npm run build -w @dlrm/comm-mpi
set -euo pipefail

packages=(cmake g++ make libopenblas-dev libopenblas-openmp-dev libdnnl-dev openmpi-bin libopenmpi-dev)

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-native-deps: apt-get not found; install ${packages[*]} (or your system's equivalents) by hand" >&2
  exit 1
fi

sudo_cmd=()
if [[ "$(id -u)" != "0" ]]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "install-native-deps: run as root (or install sudo): apt-get install ${packages[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
echo "install-native-deps: installed ${packages[*]}"
