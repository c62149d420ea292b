#!/usr/bin/env bash
# make install / make uninstall: PREFIX and DESTDIR honoured, the layout of
# issue 9 (binary in sbin, man8, bash completion, systemd unit with the
# installed binary's path, contrib and docs in share/), the installed binary
# runs, and uninstall leaves no file behind.  Default PREFIX is /usr/local.
# usage: tests/packaging/install.sh [BUILD_DIR]   (from the tree's top)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
unset MAKEFLAGS MFLAGS MAKELEVEL # a make of its own, even under `make test`
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$build/trace-map-iter" ] || fail "$build/trace-map-iter not built"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check_layout() # ROOT PREFIX
{
	local root=$1 prefix=$2 f
	local want=(
		"sbin/trace-map-iter 755"
		"share/man/man8/trace-map-iter.8 644"
		"share/bash-completion/completions/trace-map-iter 644"
		"lib/systemd/system/trace-map-iter.service 644"
		"share/trace-map-iter/prometheus/rules.yml 644"
		"share/trace-map-iter/prometheus/rules_test.yml 644"
		"share/trace-map-iter/prometheus/prometheus.yml 644"
		"share/trace-map-iter/kubernetes/daemonset.yaml 644"
		"share/trace-map-iter/systemd/trace-map-iter.default 644"
		"share/doc/trace-map-iter/metrics.md 644"
		"share/doc/trace-map-iter/canonical-dump.md 644"
		"share/doc/trace-map-iter/README.md 644"
	)
	for f in "${want[@]}"; do
		set -- $f
		[ -f "$root$prefix/$1" ] || fail "missing $prefix/$1"
		[ "$(stat -c %a "$root$prefix/$1")" = "$2" ] || fail "$prefix/$1: mode not $2"
	done
	cmp -s "$root$prefix/sbin/trace-map-iter" "$build/trace-map-iter" || fail "binary differs"
	cmp -s "$root$prefix/share/man/man8/trace-map-iter.8" docs/trace-map-iter.8 || fail "man page differs"
	grep -qx "ExecStart=$prefix/sbin/trace-map-iter serve \$TMI_SERVE_ARGS" \
		"$root$prefix/lib/systemd/system/trace-map-iter.service" ||
		fail "unit's ExecStart is not $prefix/sbin/trace-map-iter"
	! grep -Eq "@[A-Z]+@" "$root$prefix/lib/systemd/system/trace-map-iter.service" || fail "unit left a @VAR@"
}

make -s install DESTDIR="$tmp/d" PREFIX=/usr BUILD="$build" || fail "make install"
check_layout "$tmp/d" /usr
"$tmp/d/usr/sbin/trace-map-iter" --help >/dev/null || fail "the installed binary does not run"
if "$tmp/d/usr/sbin/trace-map-iter" --help | grep -q -- '--version'; then
	v=$("$tmp/d/usr/sbin/trace-map-iter" --version)
	[[ $v == "trace-map-iter $(cat VERSION)"* ]] || fail "--version says '$v'"
fi
# The installed Prometheus rules are usable where they land.
(cd "$tmp/d/usr/share/trace-map-iter/prometheus" && promtool test rules rules_test.yml >/dev/null) ||
	fail "installed rules_test.yml"
make -s uninstall DESTDIR="$tmp/d" PREFIX=/usr BUILD="$build" || fail "make uninstall"
left=$(find "$tmp/d" -type f)
[ -z "$left" ] || fail "uninstall left: $left"
[ ! -e "$tmp/d/usr/share/trace-map-iter" ] || fail "uninstall left share/trace-map-iter"

# Default PREFIX, and a PREFIX without DESTDIR.
make -s install DESTDIR="$tmp/e" BUILD="$build" || fail "make install (default PREFIX)"
check_layout "$tmp/e" /usr/local
make -s install PREFIX="$tmp/p" BUILD="$build" || fail "make install PREFIX=$tmp/p"
check_layout "" "$tmp/p"
make -s uninstall PREFIX="$tmp/p" BUILD="$build" || fail "make uninstall PREFIX=$tmp/p"
left=$(find "$tmp/p" -type f)
[ -z "$left" ] || fail "uninstall left: $left"
echo "ok: make install/uninstall with DESTDIR and PREFIX (/usr, /usr/local, $tmp/p)"
