#!/usr/bin/env bash
# check.sh [MAKE]: `make check`.  Runs the stages test, test-asan and
# test-kernels in that order (all of them, even after a failure, so one CI
# run shows everything), times each, and ends with the stage times and one
# totals line "N passed, N failed, N skipped" summed over the stages (each
# stage's own closing line).  Exits 1 when any stage failed.
set -uo pipefail
make=${1:-make}
cd "$(dirname "$0")/.."

total_p=0 total_f=0 total_s=0 rc=0 times=()
for stage in test test-asan test-kernels; do
  echo "==== make $stage"
  log=$(mktemp)
  t0=$(date +%s)
  $make --no-print-directory "$stage" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  secs=$(($(date +%s) - t0))
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1)
  rm -f "$log"
  read -r p _ f _ s _ <<<"${line:-0 passed, 0 failed, 0 skipped}"
  # A stage that failed without a totals line (a build error) counts as one failure.
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1
  fi
  [ "$status" -ne 0 ] && rc=1
  total_p=$((total_p + p)); total_f=$((total_f + f)); total_s=$((total_s + s))
  times+=("$(printf '%-13s %4dm%02ds  %s' "$stage" $((secs / 60)) $((secs % 60)) "${line:-no totals (status $status)}")")
done

echo "==== make check"
printf '%s\n' "${times[@]}"
echo "$total_p passed, $total_f failed, $total_s skipped"
exit $rc
