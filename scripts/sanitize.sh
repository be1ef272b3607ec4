#!/usr/bin/env bash
# Builds kdsched and its tests with AddressSanitizer and UndefinedBehaviorSanitizer in a folder
# of their own (build-sanitize/) and runs the whole suite there; any report fails the run.
# Usage: scripts/sanitize.sh [CTEST_ARGS...]   e.g. scripts/sanitize.sh -L unit
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build_dir=${KDSCHED_SANITIZE_BUILD_DIR:-$root_dir/build-sanitize}
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
build_kdsched -DKDSCHED_BUILD_TESTS=ON -DKDSCHED_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined"

# Open MPI and HDF5 keep allocations until exit by design; leak reports would be theirs, not ours.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j "$jobs" "$@"
