#!/bin/sh
# test.sh - set up a fresh Debian machine, build with sanitizers and run the
# whole test suite: unit tests (cmocka), fuzzers (bounded time), integration
# tests against a real osmo-stp. Extra arguments go to `meson test`
# (e.g. --suite sccp).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/contrib/setup.sh" test
cd "$top"
# ASan: fail on leaks too; UBSan: every finding is an error.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
rc=0
meson test -C build-test --print-errorlogs --num-processes 2 "$@" || rc=$?
python3 "$top/contrib/test-summary.py" build-test/meson-logs/testlog.json || true
exit $rc
