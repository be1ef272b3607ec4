#!/usr/bin/env bash
# Builds kdsched and runs the whole test suite: unit tests and MPI end-to-end tests.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build_kdsched
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
