#!/usr/bin/env bash
# matrix.sh BUILD: the kernel matrix.  Boots each Debian kernel under qemu
# from one initramfs (scripts/kernels/initramfs.sh) holding BUILD's tool and
# integration tests, runs the integration suite in the guest once per hook,
# and prints per kernel and hook
#   <kernel release> hook=<H>: N passed, N failed, N skipped (<seconds>s)
# then one closing line "N passed, N failed, N skipped" over all guests.
# Exits 1 when any guest failed a test, didn't boot, crashed or timed out
# (a guest that never reports counts as one failed test).
#
# Environment (all optional):
#   TMI_KERNELS        Debian packages to boot, metapackages resolved with
#                      apt-cache (default: linux-image-amd64 linux-image-6.12-amd64)
#   TMI_KERNEL_HOOKS   hooks to run the suite with, space separated; "default"
#                      runs without --hook, any other H sets TMI_HOOK=H in the
#                      guest and the tests pass `--hook H` to the tracer
#                      (default: "default")
#   TMI_GUEST_FILTER   gtest filter for the guest suite (default: see below)
#   TMI_KERNEL_TIMEOUT seconds per guest before it is killed (default: 600 + 600
#                      per hook: on one host thread, beside the other guest, a
#                      guest ran the suite in ~330 s per hook on a 2-core host)
#   TMI_KERNEL_CACHE   where kernels are cached (default: .kernels)
#   TMI_QEMU_ACCEL     qemu accelerator (default: tcg,thread=single; kvm where
#                      /dev/kvm really works)
#   TMI_KERNEL_JOBS    guests booted at once (default: the host's CPU count)
# Full guest consoles are kept in BUILD/kernels/<release>.log.
set -uo pipefail

build=${1:-build}
cd "$(dirname "$0")/../.."
kernels=${TMI_KERNELS:-linux-image-amd64 linux-image-6.12-amd64}
# The hook each kernel picks itself, and the syscall tracepoints (issue 8:
# both must report the same walks on every kernel).
hooks=${TMI_KERNEL_HOOKS:-default tracepoint}
# Excluded in guests: tests that need host userland the initramfs lacks
# (jq, setpriv, strace, the /dev/stdout symlink, promtool and prometheus, tmux, a
# loopback network for serve's HTTP: Serve.* and the parameterized
# Serve/ServeModes.*); they exercise userspace, which the
# host suite covers.
filter=${TMI_GUEST_FILTER:-*-Formatted.JqPathsOnABtfMapsDumpGiveTheInsertedValues:TraceRecords.NonRootIsToldWhatPrivilegesAreNeeded:OutputFile.DevicesAndStdoutAreWrittenDirectlyNeverReplaced:OutputFile.FsyncOnlyWithTheFlagAndTheSameBytes:Serve.*:Serve/*:Prometheus.*:Top.*}
nhooks=$(wc -w <<<"$hooks")
timeout_s=${TMI_KERNEL_TIMEOUT:-$((600 + 600 * nhooks))}
cache=${TMI_KERNEL_CACHE:-.kernels}
# thread=single: one host thread runs both vCPUs. With a thread per vCPU
# (qemu 7.2's default) guests crashed in about one CI run in two, always
# in syscall_trace_enter while a tracepoint's static key was being
# patched: "Oops: int3" on 6.12, both vCPUs spinning on the int3 on 6.1
# (a vCPU running code another vCPU had just rewritten); see the README.
# Guests run side by side instead, TMI_KERNEL_JOBS at once (default: the
# host's CPUs).
accel=${TMI_QEMU_ACCEL:-tcg,thread=single}
guest_jobs=${TMI_KERNEL_JOBS:-$(nproc)}
outdir=$build/kernels

command -v qemu-system-x86_64 >/dev/null ||
	{ echo "error: kernel matrix: qemu-system-x86_64 not found (scripts/install-deps.sh)" >&2; exit 2; }
mkdir -p "$outdir"
initrd=$outdir/initramfs.cpio.gz
scripts/kernels/initramfs.sh "$build" "$initrd" || exit 2

total_p=0 total_f=0 total_s=0 rc=0 summary=()
# Inside run_guest (a background job): a summary line for its kernel.
note() { echo "$1" >>"$notes"; }

# What a crashed guest said, on stdout (CI keeps only that): the test that
# was running and the kernel's lines from its first oops or warning on (at
# most 80).
oops_of() {
	local from
	from=$(grep -n -m1 -E '(BUG:|Oops|WARNING:|general protection|Kernel panic)' "$1" | cut -d: -f1)
	[ -n "$from" ] && sed -n "${from},\$p" "$1" | grep -E '^\[ *[0-9]+\.[0-9]+\]' | head -80
}
print_oops() {
	local release=$1 log=$2
	echo "== $release: the kernel's report (console: $log)"
	echo "   running: $(grep -E '^\[ RUN      \] ' "$log" | tail -1)"
	oops_of "$log"
}
# Whether a crash's report names BPF (a program, a map, a trampoline, the
# ring buffer, local storage, ftrace): then it may be this tool's doing,
# and fails.
oops_names_bpf() {
	oops_of "$1" | grep -v 'Modules linked in' |
		grep -q -E 'bpf|htab|trampoline|ringbuf|local_storage|ftrace'
}

# Boots one kernel with the suite; sets $status (qemu's, or timeout's).
boot_guest() {
	local vmlinuz=$1 log=$2
	# -no-reboot + panic=-1: a guest panic ends qemu instead of rebooting.
	# loglevel=5, not quiet: an oops prints its RIP, registers and call
	# trace at KERN_DEFAULT (4), which quiet hides; boot chatter is info (6).
	# softlockup_panic=1: a CPU stuck in the kernel ends the guest at once
	# (seen under TCG: both vCPUs spinning on the int3 of a static-key
	# patch in syscall_trace_enter, until the guest's timeout).
	timeout -k 10 "$timeout_s" qemu-system-x86_64 \
		-accel "$accel" -cpu max -m 2G -smp 2 -nographic -no-reboot -nic none \
		-kernel "$vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 softlockup_panic=1 loglevel=5 tmi.hooks=${hooks// /,} tmi.filter=$filter tmi.ci=${CI:-}" \
		</dev/null 2>&1 | sed -u 's/\r//g' | tee "$log" |
		grep --line-buffered -E '^(TMI-|  libbpf:)|^\[  FAILED  \] .* \([0-9]+ ms\)$|Kernel panic' |
		sed -u -E 's/, where GetParam\(\) = .* (\([0-9]+ ms\))$/ \1/'
	status=${PIPESTATUS[0]}
}

crashed() { ! grep -q '^TMI-DONE' "$1" && grep -q 'Kernel panic' "$1"; }

# One guest, run in the background beside the others: its results go to
# $outdir/<release>.notes (summary lines) and .counts ("passed failed
# skipped"), which the closing summary adds up.
run_guest() {
	local pkg=$1 vmlinuz=$2 release=$3 log notes t0 secs status
	log=$outdir/$release.log
	notes=$outdir/$release.notes
	total_p=0 total_f=0 total_s=0
	echo "== $release ($pkg): booting under qemu ($accel), hooks: $hooks, timeout ${timeout_s}s"
	t0=$(date +%s)
	boot_guest "$vmlinuz" "$log"
	# A kernel crash whose report names nothing of BPF is the emulated
	# machine's or the kernel's (seen under TCG: a 6.12 panic "Fatal
	# exception in interrupt", and a 6.1 soft lockup on both vCPUs at the
	# int3 of a static-key patch): the guest boots again, at most twice,
	# and every crash is reported. A crashed run's results are not counted;
	# the last run's are.
	local attempt
	for attempt in 1 2; do
		crashed "$log" && ! oops_names_bpf "$log" || break
		print_oops "$release" "$log"
		mv "$log" "$log.crash$attempt"
		note "$release: warning: guest crashed outside BPF in $(grep -E '^\[ RUN      \] ' "$log.crash$attempt" | tail -1 | sed 's/^\[ RUN *\] //'): \"$(oops_of "$log.crash$attempt" | head -1 | sed -E 's/^\[ *[0-9.]+\] //')\"; ran it again (console: $log.crash$attempt)"
		echo "== $release: crashed outside BPF; booting it again"
		boot_guest "$vmlinuz" "$log"
	done
	secs=$(($(date +%s) - t0))

	local results
	results=$(grep '^TMI-RESULT ' "$log")
	while read -r _ hook_kv rc_kv p_kv f_kv s_kv; do
		[ -n "${hook_kv:-}" ] || continue
		local p=${p_kv#passed=} f=${f_kv#failed=} s=${s_kv#skipped=} grc=${rc_kv#rc=}
		# A suite that crashed before printing its totals still failed.
		[ "$grc" != 0 ] && [ "$f" = 0 ] && f=1
		total_p=$((total_p + p)); total_f=$((total_f + f)); total_s=$((total_s + s))
		note "$release ${hook_kv}: $p passed, $f failed, $s skipped"
	done <<<"$results"
	if ! grep -q '^TMI-DONE' "$log"; then
		local why="did not finish"
		[ "$status" = 124 ] || [ "$status" = 137 ] && why="timed out after ${timeout_s}s"
		grep -q 'Kernel panic' "$log" && why="kernel panic"
		# Not anchored: the BIOS's escape sequences precede it on its line.
		grep -q 'TMI-KERNEL ' "$log" || why="$why (never reached /init)"
		note "$release: error: guest $why; console: $log"
		print_oops "$release" "$log"
		total_f=$((total_f + 1))
	elif oops_of "$log" | grep -q .; then
		# A warning the kernel survived: shown, not failed.
		print_oops "$release" "$log"
		note "$release: warning: the kernel reported a problem (shown above; console: $log)"
	fi
	while read -r line; do
		[ -n "$line" ] && note "$release   ${line#TMI-PREFLIGHT }"
	done < <(grep '^TMI-PREFLIGHT .* failed' "$log")
	note "$release: guest ran ${secs}s (console: $log)"
	echo "$total_p $total_f $total_s" >"$outdir/$release.counts"
}

# Every kernel is fetched first, then the guests boot side by side, each
# on one host thread (see accel above).
releases=()
for pkg in $kernels; do
	if ! vmlinuz=$(scripts/kernels/fetch.sh "$cache" "$pkg"); then
		summary+=("$pkg: error: kernel not fetched")
		total_f=$((total_f + 1)); rc=1
		continue
	fi
	release=${vmlinuz##*/vmlinuz-}
	releases+=("$release")
	rm -f "$outdir/$release.counts" "$outdir/$release.notes"
	# Each guest's progress lines are tagged with its release.
	(run_guest "$pkg" "$vmlinuz" "$release" | sed -u "s/^/[$release] /") &
	while [ "$(jobs -rp | wc -l)" -ge "$guest_jobs" ]; do wait -n; done
done
wait

for release in "${releases[@]}"; do
	if [ -f "$outdir/$release.notes" ]; then
		mapfile -t lines <"$outdir/$release.notes"
		summary+=("${lines[@]}")
	fi
	if [ -s "$outdir/$release.counts" ]; then
		read -r p f s_ <"$outdir/$release.counts"
		total_p=$((total_p + p)); total_f=$((total_f + f)); total_s=$((total_s + s_))
		[ "$f" != 0 ] && rc=1
	else
		summary+=("$release: error: the guest's runner ended without results")
		total_f=$((total_f + 1)); rc=1
	fi
done

echo "== kernel matrix"
printf '%s\n' "${summary[@]}"
if [ "${CI:-}" = "true" ] && [ "$total_s" -gt 0 ]; then
	echo "error: $total_s tests skipped in guests under CI=true: a skip is a failure here" >&2
	total_f=$((total_f + total_s)); rc=1
fi
echo "$total_p passed, $total_f failed, $total_s skipped"
exit $rc
