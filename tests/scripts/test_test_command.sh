#!/usr/bin/env bash
# The README's test command must always build the tests and must fail when no test ran. Runs a
# copy of scripts/ against stand-ins for cmake and ctest that record how they were called.
set -euo pipefail
source_scripts=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/scripts" "$work/bin"
cp "$source_scripts"/common.sh "$source_scripts"/test.sh "$work/root/scripts/"
printf '#!/bin/sh\nexit 0\n' >"$work/root/scripts/install-deps.sh"
printf '#!/bin/sh\necho "cmake $*" >>"%s/calls"\n' "$work" >"$work/bin/cmake"
printf '#!/bin/sh\necho "ctest $*" >>"%s/calls"\nexit ${CTEST_STAND_IN_EXIT:-0}\n' "$work" >"$work/bin/ctest"
chmod +x "$work"/root/scripts/*.sh "$work"/bin/*

fail() { echo "FAIL: $*" >&2; cat "$work/calls" >&2; exit 1; }

PATH="$work/bin:$PATH" "$work/root/scripts/test.sh" >/dev/null
grep -q -- '-DKDSCHED_BUILD_TESTS=ON' "$work/calls" || fail "tests are not switched on when configuring"
grep -q -- '^cmake --build' "$work/calls" || fail "nothing is built before the tests run"
grep -q -- '--no-tests=error' "$work/calls" || fail "ctest is not told that running no test is an error"
[[ $(grep -n -- '^cmake --build' "$work/calls" | cut -d: -f1) -lt $(grep -n '^ctest' "$work/calls" | cut -d: -f1) ]] ||
  fail "the build must come before the tests"

# ctest's exit code (8 when no test was found with --no-tests=error) must be the script's.
: >"$work/calls"
if CTEST_STAND_IN_EXIT=8 PATH="$work/bin:$PATH" "$work/root/scripts/test.sh" >/dev/null; then
  fail "the test command passed although ctest failed"
fi
echo "ok"
