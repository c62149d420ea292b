#!/usr/bin/env bash
# initramfs.sh BUILD OUT: writes OUT, a gzip'd cpio initramfs for the kernel
# matrix: busybox (static), BUILD/trace-map-iter, BUILD/tests/integration_tests,
# bpftool, the shared libraries they load (per ldd, at their host paths) and
# scripts/kernels/init as /init.  Needs root (it makes /dev/console).
set -euo pipefail

build=${1:?usage: initramfs.sh BUILD OUT}
out=${2:?usage: initramfs.sh BUILD OUT}
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "error: building the guest initramfs: $*" >&2; exit 2; }

busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
# A dynamic busybox would need its libc too and may lack applets: insist.
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$busybox" 2>&1 | grep -q 'not a dynamic' ||
	die "$busybox is not static (install busybox-static)"
bpftool=$(command -v bpftool) || die "bpftool not found"
bins=("$build/trace-map-iter" "$build/tests/integration_tests" "$bpftool")
for b in "${bins[@]}"; do
	[ -x "$b" ] || die "$b missing (make all $build/tests/integration_tests)"
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc}
cp "$busybox" "$root/bin/busybox"
install -m 0755 "$here/init" "$root/init"
for b in "${bins[@]}"; do
	cp "$b" "$root/bin/"
	# "libX => /path (addr)" and the loader "/lib64/ld-linux-x86-64.so.2 (addr)".
	ldd "$b" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
done | sort -u | while read -r lib; do
	cp -L --parents "$lib" "$root"
done
# The kernel opens /dev/console for init before devtmpfs is mounted.
mknod -m 600 "$root/dev/console" c 5 1
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
