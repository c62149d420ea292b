#!/usr/bin/env bash
# Runs every test binary and prints one closing line: "N passed, N failed, N skipped".
# Under CI=true a skipped test is a failure (nothing may skip in CI).
# usage: scripts/run-tests.sh [BUILD_DIR]
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
scripts/prepare-host.sh || exit 1

passed=0 failed=0 skipped=0 rc=0
for bin in "$build/tests/unit_tests" "$build/tests/integration_tests"; do
  log=$(mktemp)
  echo "== $bin"
  "$bin" --gtest_color=no 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\..*/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\{0,1\}, listed below.*/\1/p' "$log" | tail -1)
  s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) tests\{0,1\}, listed below.*/\1/p' "$log" | tail -1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
  if [ "$status" -ne 0 ] && [ -z "$f" ]; then
    echo "error: $bin exited with status $status before reporting" >&2
    failed=$((failed + 1))
  fi
  [ "$status" -ne 0 ] && rc=1
  rm -f "$log"
done

# Packaging tests (install layout, man page, completion, systemd unit,
# Prometheus rules): each tests/packaging/*.sh is one test; exit 77 = skipped.
for t in tests/packaging/*.sh; do
  [ -e "$t" ] || continue
  echo "== $t"
  "$t" "$build"
  status=$?
  case $status in
    0) passed=$((passed + 1)) ;;
    77) skipped=$((skipped + 1)); echo "SKIPPED: $t" ;;
    *) failed=$((failed + 1)); rc=1; echo "FAILED: $t (exit $status)" >&2 ;;
  esac
done

if [ "${CI:-}" = "true" ] && [ "$skipped" -gt 0 ]; then
  echo "error: $skipped tests skipped under CI=true: a skip is a failure here" >&2
  failed=$((failed + skipped))
  rc=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $rc
