#!/usr/bin/env bash
# CPPFLAGS, CXXFLAGS and LDFLAGS from the environment (here Debian's hardening
# flags from dpkg-buildflags) reach every C++ compile and the link of the
# binary, and never the BPF compiles (clang -target bpf takes none of them).
# A dry run (make -n) in a scratch build directory: nothing is compiled.
# usage: tests/packaging/buildflags.sh [BUILD_DIR]   (from the tree's top)
set -euo pipefail
cd "$(dirname "$0")/../.."
unset MAKEFLAGS MFLAGS MAKELEVEL
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v dpkg-buildflags >/dev/null || fail "dpkg-buildflags missing (dpkg-dev)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)
CXXFLAGS=$(dpkg-buildflags --get CXXFLAGS)
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
export CPPFLAGS CXXFLAGS LDFLAGS
for f in -D_FORTIFY_SOURCE=2 -fstack-protector-strong -Wl,-z,relro -Wl,-z,now; do
	[[ " $CPPFLAGS $CXXFLAGS $LDFLAGS " == *" $f "* ]] || fail "dpkg-buildflags gave no $f"
done

make -n V=1 BUILD="$tmp/b" all >"$tmp/log" || fail "make -n"
compiles=$(grep -E -- ' -c user/[a-z]+/[a-z0-9_]+\.cpp ' "$tmp/log") || fail "no C++ compile in make -n"
n=0
while IFS= read -r line; do
	for f in $CPPFLAGS $CXXFLAGS; do
		[[ " $line " == *" $f "* ]] || fail "compile without $f: $line"
	done
	n=$((n + 1))
done <<<"$compiles"
want=$(ls user/*/*.cpp | wc -l)
[ "$n" -eq "$want" ] || fail "$n C++ compiles in make -n, $want sources in user/"
link=$(grep -E -- "-o $tmp/b/trace-map-iter\$" "$tmp/log") || fail "no link of trace-map-iter"
for f in $LDFLAGS; do
	[[ " $link " == *" $f "* ]] || fail "link without $f: $link"
done
! grep -E -- '-target bpf' "$tmp/log" | grep -q -- '-fstack-protector' || fail "CXXFLAGS reached a BPF compile"
echo "ok: dpkg-buildflags reach $n C++ compiles and the link"
