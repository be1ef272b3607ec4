#!/usr/bin/env bash
# Builds kdsched with its tests and runs the whole suite: unit tests and MPI end-to-end tests.
# The tests are switched on explicitly (a build folder configured for a cluster install may have
# them off), everything is rebuilt before anything runs (no stale test binary), and a run in
# which no test ran fails.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build_kdsched -DKDSCHED_BUILD_TESTS=ON
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j "$jobs"
