#!/usr/bin/env bash
# Builds kdsched and its tests with sanitizers in a folder of their own and runs the suite there;
# any report fails the run.
#
#   scripts/sanitize.sh [CTEST_ARGS...]            AddressSanitizer + UndefinedBehaviorSanitizer,
#                                                  build-sanitize/, e.g. `-L unit` for unit tests only
#   scripts/sanitize.sh --thread [CTEST_ARGS...]   ThreadSanitizer on the worker's two threads,
#                                                  build-tsan/, e.g. `-R 'Schedule|Spin|KMeans'`
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ ${1:-} == --thread ]]; then
  shift
  build_dir=${KDSCHED_TSAN_BUILD_DIR:-$root_dir/build-tsan}
  flags="-fsanitize=thread"
  build_type=RelWithDebInfo
  export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$root_dir/scripts/tsan.supp:halt_on_error=1:report_signal_unsafe=0}
else
  build_dir=${KDSCHED_SANITIZE_BUILD_DIR:-$root_dir/build-sanitize}
  flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
  build_type=Debug
  # Open MPI and HDF5 keep allocations until exit by design; leak reports would be theirs, not ours.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:strict_string_checks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
fi
build_kdsched -DKDSCHED_BUILD_TESTS=ON -DKDSCHED_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=$build_type \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="${flags%% *}" \
  -DCMAKE_SHARED_LINKER_FLAGS="${flags%% *}"
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j "$jobs" "$@"
