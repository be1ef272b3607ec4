# Shared by the comparison benchmarks: the peer they measure against, and a scratch folder.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

# Debian's Python, where Debian's python3-* peers live.
python=/usr/bin/python3

# Installs PACKAGES (as root) unless CHECK succeeds; otherwise says what to install.
require_peer() {  # CHECK PACKAGES...
  local check=$1
  shift
  bash -c "$check" >/dev/null 2>&1 && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "$(basename "$0") needs: apt-get install $*" >&2
    exit 1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Builds kdsched; sets kdsched, work (removed on exit) and cores.
prepare_run() {
  build_kdsched >/dev/null
  kdsched=$build_dir/src/app/kdsched
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cores=$(nproc)
}

# A job of PARTITIONS empty spin partitions dealt with CHUNKING (chunk = 1, no stealing), as
# $work/NAME.toml writing NAME.h5: what dispatch benchmarks time.
write_dispatch_job() {  # NAME CHUNKING PARTITIONS
  cat >"$work/$1.toml" <<TOML
[job]
name = "$1"
output = "$1.h5"
[partition]
range = [0, $3]
[kernel]
name = "spin"
cost = "const:0"
[schedule]
chunking = "$2"
chunk = 1
stealing = "off"
TOML
}
