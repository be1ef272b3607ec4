#!/usr/bin/env bash
# Installs the Debian 12 packages kdsched builds and runs with. Idempotent: packages already
# present are skipped. As root it runs apt-get; otherwise it prints the exact command to run.
set -euo pipefail

packages=(
  openmpi-bin libopenmpi-dev libboost-mpi-dev libboost-serialization-dev
  libhdf5-openmpi-dev hdf5-tools libgtest-dev libtomlplusplus-dev libcli11-dev
  libfmt-dev libsqlite3-dev cmake g++ make
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

command_line="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "kdsched needs these Debian packages; run as root:" >&2
  echo "  apt-get update && $command_line" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends "${missing[@]}"
