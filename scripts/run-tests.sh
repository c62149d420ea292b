#!/usr/bin/env bash
# Runs every test binary and prints one closing line: "N passed, N failed, N skipped".
# Under CI=true a skipped test is a failure (nothing may skip in CI).
# The integration tests run BUILD_DIR's own tool ($TMI_BIN unless set).
# TMI_SANITIZE=1 (make test-asan): ASan/UBSan stop at the first error, every
# process (tests and the tool they start) logs its reports to
# BUILD_DIR/sanitizer/, and any report there fails the run, even one from a
# child whose exit code a test did not check.
# usage: scripts/run-tests.sh [BUILD_DIR]
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
scripts/prepare-host.sh || exit 1
export TMI_BIN=${TMI_BIN:-$build/trace-map-iter}

sandir=
if [ "${TMI_SANITIZE:-}" = 1 ]; then
  sandir=$build/sanitizer
  rm -rf "$sandir" && mkdir -p "$sandir"
  # exitcode 86: a sanitizer exit is never mistaken for one of the tool's own codes.
  export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=86:detect_leaks=1:log_path=$PWD/$sandir/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86:log_path=$PWD/$sandir/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
fi

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
# They check what ships (files, flags, rules), not memory safety, and run
# `make install` with the release flags: the sanitized run (make test-asan)
# leaves them to `make test`, which check runs first.
packaging_tests=(tests/packaging/*.sh)
[ "${TMI_SANITIZE:-}" = 1 ] && packaging_tests=()
for t in "${packaging_tests[@]}"; do
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

if [ -n "$sandir" ]; then
  reports=$(find "$sandir" -type f -size +0 | sort)
  if [ -n "$reports" ]; then
    n=$(wc -l <<<"$reports")
    echo "error: $n sanitizer reports (tests or the tool they ran):" >&2
    for r in $reports; do echo "--- $r" >&2; head -40 "$r" >&2; done
    failed=$((failed + n))
    rc=1
  fi
fi

if [ "${CI:-}" = "true" ] && [ "$skipped" -gt 0 ]; then
  echo "error: $skipped tests skipped under CI=true: a skip is a failure here" >&2
  failed=$((failed + skipped))
  rc=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $rc
