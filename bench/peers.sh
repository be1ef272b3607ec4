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
