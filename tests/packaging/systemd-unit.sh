#!/usr/bin/env bash
# The systemd unit for serve, as installed: `systemd-analyze verify` accepts
# it, and its sandbox lets the tool work.  serve is not built yet, so the
# tracer (the same loading, attaching, map opening and draining) stands in:
#  * run with exactly the unit's CapabilityBoundingSet (setpriv), it traces
#    a real bpftool walk of a real map, all keys, complete;
#  * each capability of that set is needed: without CAP_SYS_ADMIN maps can't
#    be opened by id; a tracer of pinned maps only works with CAP_BPF and
#    CAP_PERFMON and fails without either;
#  * under strace, every system call it makes is allowed by the unit's
#    SystemCallFilter, its sockets are of RestrictAddressFamilies, it opens
#    no file for writing (ProtectSystem=strict, ProtectKernelTunables),
#    nothing under /home or /root (ProtectHome), no device beyond
#    PrivateDevices', and maps no memory writable and executable at once
#    (MemoryDenyWriteExecute).
# usage: tests/packaging/systemd-unit.sh [BUILD_DIR]   (from the tree's top; root)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
unset MAKEFLAGS MFLAGS MAKELEVEL
fail() { echo "FAIL: $*" >&2; exit 1; }
for t in systemd-analyze setpriv strace bpftool; do
	command -v $t >/dev/null || fail "$t missing"
done
[ -x "$build/trace-map-iter" ] || fail "$build/trace-map-iter not built"
tmp=$(mktemp -d)
pin=/sys/fs/bpf/tmi_unit_$$
trap 'rm -rf "$tmp"; rm -f "$pin"' EXIT

# Installed with a real PREFIX, so ExecStart's binary exists for verify.
make -s install PREFIX="$tmp/usr" BUILD="$build" || fail "make install"
unit=$tmp/usr/lib/systemd/system/trace-map-iter.service
bin=$tmp/usr/sbin/trace-map-iter
# Documentation=man:trace-map-iter(8) is looked up where it was installed.
out=$(MANPATH="$tmp/usr/share/man" systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"

setting() { sed -n "s/^$1=//p" "$unit"; }
caps=$(setting CapabilityBoundingSet)
[ -n "$caps" ] || fail "the unit sets no CapabilityBoundingSet"
bounding() # CAP...: setpriv's --bounding-set for exactly these
{
	local s=-all c
	for c in "$@"; do
		c=${c#CAP_}
		s+=",+${c,,}"
	done
	echo "$s"
}

# A real map to walk: 20 keys.
bpftool map create "$pin" type hash key 4 value 4 entries 64 name tmi_unit ||
	fail "can't create a map"
id=$(bpftool map show pinned "$pin" | sed -n 's/^\([0-9]*\):.*/\1/p')
for k in $(seq 1 20); do
	bpftool map update pinned "$pin" key $k 0 0 0 value 0 0 0 0
done

# trace_run SELECTOR LOG CAPS... : the tracer of the map (SELECTOR: id or
# pinned) under exactly CAPS as bounding set (and strace when LOG is not -),
# a bpftool walk once it traces; its JSON in $tmp/out, its stderr in
# $tmp/err; returns its exit status.
trace_run()
{
	local sel=$1 log=$2
	shift 2
	local what=(--map-id "$id")
	[ "$sel" = id ] || what=(--pinned "$pin")
	local cmd=(setpriv --bounding-set="$(bounding "$@")" -- "$bin" "${what[@]}" -d 5 -j)
	[ "$log" = - ] || cmd=(strace -f -qq -o "$log" -- "${cmd[@]}")
	"${cmd[@]}" >"$tmp/out" 2>"$tmp/err" &
	local pid=$! i
	for i in $(seq 100); do
		grep -q '^Tracing' "$tmp/err" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^Tracing' "$tmp/err" && bpftool map dump pinned "$pin" >/dev/null
	wait $pid
}
walk_seen()
{
	python3 - "$id" "$tmp/out" <<'PY' || fail "$1: no complete 20-key walk by bpftool traced: $(cat "$tmp/out")"
import json, sys
walks = [j for j in map(json.loads, open(sys.argv[2])) if j["type"] == "walk"]
assert any(w["map_id"] == int(sys.argv[1]) and w["keys"] == 20 and w["calls"] == 21
           and w["complete"] and w["comm"] == "bpftool" for w in walks), walks
PY
}
fails() # WHAT SELECTOR CAPS...: the tracer must fail with one error line
{
	local what=$1
	shift
	if trace_run "$1" - "${@:2}"; then
		fail "the tracer works $what: the unit should not keep that capability"
	fi
	# -j: the error is one JSON line on stdout (as bpftool -j), nothing on stderr
	grep -q '^{"type":"error","message":' "$tmp/out" ||
		fail "$what: no JSON error line: $(cat "$tmp/out" "$tmp/err")"
}

# Each capability is needed: CAP_SYS_ADMIN to open maps by id (and to list
# them: --map-name, every map), CAP_BPF and CAP_PERFMON for a tracer of
# pinned maps only, the configuration that can drop CAP_SYS_ADMIN.
[ "$(tr ' ' '\n' <<<"$caps" | sort | tr '\n' ' ')" = "CAP_BPF CAP_PERFMON CAP_SYS_ADMIN " ] ||
	fail "the unit's capabilities changed ($caps): update this test's reasons"
trace_run id "$tmp/strace" $caps || fail "the tracer fails with the unit's capabilities ($caps): $(cat "$tmp/err")"
walk_seen "--map-id with $caps"
fails "by id without CAP_SYS_ADMIN" id CAP_BPF CAP_PERFMON
trace_run pinned - CAP_BPF CAP_PERFMON || fail "--pinned with CAP_BPF CAP_PERFMON: $(cat "$tmp/err")"
walk_seen "--pinned with CAP_BPF CAP_PERFMON"
fails "on a pinned map without CAP_BPF" pinned CAP_PERFMON
fails "on a pinned map without CAP_PERFMON" pinned CAP_BPF

# The syscalls of the tool itself: everything after setpriv's execve of it.
sed -n "\\|execve(\"$bin\"|,\$p" "$tmp/strace" >"$tmp/calls"
[ -s "$tmp/calls" ] || fail "strace saw no execve of $bin"
expand() # systemd syscall groups and names -> names
{
	local x
	for x in "$@"; do
		if [[ $x == @* ]]; then
			expand $(systemd-analyze syscall-filter "$x" | sed -n 's/^    \([^#]\)/\1/p')
		else
			echo "$x"
		fi
	done
}
expand $(setting SystemCallFilter) | sort -u >"$tmp/allowed"
sed -n 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$tmp/calls" | sort -u >"$tmp/used"
denied=$(comm -23 "$tmp/used" "$tmp/allowed")
[ -z "$denied" ] || fail "syscalls outside SystemCallFilter: $denied"
families=$(setting RestrictAddressFamilies)
for fam in $(grep -o 'socket(AF_[A-Z0-9]*' "$tmp/calls" | sed 's/socket(//' | sort -u); do
	[[ " $families " == *" $fam "* ]] || fail "socket family $fam outside RestrictAddressFamilies"
done
writes=$(grep -E 'open(at)?\(.*O_(WRONLY|RDWR|CREAT)' "$tmp/calls" | grep -v '"/dev/null"' || true)
[ -z "$writes" ] || fail "opens for writing (ProtectSystem=strict): $writes"
home=$(grep -E '"/(home|root|run/user)/' "$tmp/calls" || true)
[ -z "$home" ] || fail "touches home directories (ProtectHome): $home"
devs=$(grep -oE 'open(at)?\([^"]*"/dev/[^"]*"' "$tmp/calls" | grep -oE '/dev/[^"]*' |
	grep -vE '^/dev/(null|zero|full|random|urandom|tty|pts/.*|ptmx|shm/.*)$' || true)
[ -z "$devs" ] || fail "opens devices PrivateDevices hides: $devs"
wx=$(grep -E '(mmap|mprotect)\(.*PROT_WRITE\|PROT_EXEC|PROT_EXEC\|PROT_WRITE' "$tmp/calls" || true)
[ -z "$wx" ] || fail "W+X memory (MemoryDenyWriteExecute): $wx"
echo "ok: unit verifies; the tracer works with only $caps and its $(wc -l <"$tmp/used") syscalls fit the sandbox"
