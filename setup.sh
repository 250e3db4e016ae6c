#!/usr/bin/env bash
# Installs the Debian 12 packages moesim needs to build and test, only those missing.
# Run as root (or with sudo available). Non-interactive: safe in CI.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libeigen3-dev libceres-dev libboost-program-options-dev
  nlohmann-json3-dev catch2 libbenchmark-dev
  qt6-base-dev qt6-svg-dev libqcustomplot-dev libgl-dev zlib1g-dev
  clang libclang-rt-14-dev libomp-dev
  pybind11-dev python3-dev python3-numpy python3-pytest
  libopenmpi-dev openmpi-bin
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
