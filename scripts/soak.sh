#!/usr/bin/env bash
# soak.sh [SECONDS] [BUILD]: a long run of the tracer under churn (not in CI).
# Traces every map for SECONDS (default 600) while scripts/soak-load.py
# creates and frees maps, holds many open, walks them (some walks delete
# their cursor) and hammers one big map; every SOAK_STOP_EVERY seconds
# (default 30) the tracer is SIGSTOPped for SOAK_STOP_FOR seconds (default 3)
# so its ring buffer (SOAK_RINGBUF bytes, default 1 MiB) overflows.
# Reports the tracer's RSS over time and, for the soak's own maps, the calls
# made against the tracer's calls + lost_events.  Exits 1 when the tracer
# died or exited non-zero, any soak map's calls + lost_events differ from
# the calls made, or RSS grew by more than SOAK_RSS_GROWTH_KB (default
# 20480) between the first sample after warm-up and the end.  Needs root
# and python3.  Files are kept in a directory named at the end.
set -uo pipefail
seconds=${1:-600}
build=${2:-build}
cd "$(dirname "$0")/.."
stop_every=${SOAK_STOP_EVERY:-30} stop_for=${SOAK_STOP_FOR:-3}
ringbuf=${SOAK_RINGBUF:-1048576} growth_kb=${SOAK_RSS_GROWTH_KB:-20480}
scripts/prepare-host.sh || exit 2
dir=$(mktemp -d /tmp/tmi-soak.XXXXXX)

"$build/trace-map-iter" -j -i 60 --ringbuf-size "$ringbuf" >"$dir/trace.jsonl" 2>"$dir/trace.err" &
tracer=$!
for _ in $(seq 600); do
	grep -q '^Tracing' "$dir/trace.err" && break
	kill -0 "$tracer" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q '^Tracing' "$dir/trace.err"; then
	echo "error: soak: the tracer did not start: $(head -1 "$dir/trace.err")" >&2
	kill "$tracer" 2>/dev/null
	exit 2
fi

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$tracer/status" 2>/dev/null; }
echo "soak: ${seconds}s, tracer pid $tracer, SIGSTOP ${stop_for}s every ${stop_every}s, ring $ringbuf bytes; files in $dir"
scripts/soak-load.py "$seconds" "$dir/load.json" &
load=$!
t0=$(date +%s) next_stop=$((t0 + stop_every)) stops=0 samples=()
while kill -0 "$load" 2>/dev/null; do
	now=$(date +%s)
	if ! kill -0 "$tracer" 2>/dev/null; then
		echo "error: soak: the tracer died after $((now - t0))s" >&2
		break
	fi
	if [ "$now" -ge "$next_stop" ]; then
		kill -STOP "$tracer"; sleep "$stop_for"; kill -CONT "$tracer"
		stops=$((stops + 1)) next_stop=$((now + stop_every))
	fi
	r=$(rss)
	samples+=("$((now - t0)):${r:-gone}")
	printf 'soak: t=%4ds rss=%s kB stops=%d\n' "$((now - t0))" "${r:-?}" "$stops"
	sleep 10
done
wait "$load"
load_rc=$?
rss_end=$(rss)
kill -INT "$tracer" 2>/dev/null
wait "$tracer"
tracer_rc=$?

rc=0
[ "$load_rc" -ne 0 ] && { echo "error: soak: the load failed (status $load_rc)" >&2; rc=1; }
[ "$tracer_rc" -ne 0 ] && { echo "error: soak: the tracer exited $tracer_rc: $(grep -m1 '^error' "$dir/trace.err")" >&2; rc=1; }
# RSS: the first sample after a minute (or the first) against the end.
base=
for s in "${samples[@]}"; do
	t=${s%%:*} v=${s#*:}
	[ "$v" = gone ] && continue
	[ -z "$base" ] && base=$v
	[ "$t" -ge 60 ] && { base=$v; break; }
done
echo "soak: RSS ${base:-?} kB after warm-up, ${rss_end:-?} kB at the end; ${stops} SIGSTOPs"
if [ -n "$base" ] && [ -n "$rss_end" ] && [ $((rss_end - base)) -gt "$growth_kb" ]; then
	echo "error: soak: RSS grew by $((rss_end - base)) kB (limit $growth_kb)" >&2
	rc=1
fi
[ "$load_rc" -eq 0 ] && [ "$tracer_rc" -eq 0 ] || { echo "soak: files in $dir"; exit 1; }
python3 - "$dir/load.json" "$dir/trace.jsonl" <<'PY' || rc=1
import json, sys
made = {int(k): v for k, v in json.load(open(sys.argv[1]))["calls_by_map"].items()}
seen, warnings = {}, 0
for line in open(sys.argv[2]):
    j = json.loads(line)
    if j["type"] == "summary" and j["scope"] == "total":
        seen[j["map_id"]] = (j["calls"], j["lost_events"])
    warnings += j["type"] == "warning"
calls = sum(seen.get(m, (0, 0))[0] for m in made)
lost = sum(seen.get(m, (0, 0))[1] for m in made)
bad = [m for m, n in made.items() if sum(seen.get(m, (0, 0))) != n]
print(f"soak: {len(made)} maps walked, {sum(made.values())} get_next_key calls made; "
      f"tracer: {calls} calls + {lost} lost events; {warnings} warnings")
if bad:
    m = bad[0]
    print(f"error: soak: {len(bad)} maps where calls + lost_events != calls made "
          f"(map {m}: made {made[m]}, traced {seen.get(m)})", file=sys.stderr)
    sys.exit(1)
PY
echo "soak: files in $dir"
[ "$rc" -eq 0 ] && echo "soak: ok"
exit $rc
