# Shared by the scripts in this folder: dependencies, build, and MPI settings.
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${KDSCHED_BUILD_DIR:-$root_dir/build}
jobs=$(nproc 2>/dev/null || echo 2)

# Open MPI refuses to start as root unless told twice; containers and CI often run as root.
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# build_kdsched [CMAKE_ARGS...]: configures (with any extra cache settings) and builds.
build_kdsched() {
  "$root_dir/scripts/install-deps.sh"
  cmake -S "$root_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$build_dir" -j "$jobs"
}
