#!/usr/bin/env bash
# A bare `make` (the README's build command) builds the tool, the same as
# `make all`: once the PCH prerequisite lines named audit.o first, and a
# bare make built that one object. A dry run in a scratch build directory.
# usage: tests/packaging/default-goal.sh   (from the tree's top)
set -euo pipefail
cd "$(dirname "$0")/../.."
unset MAKEFLAGS MFLAGS MAKELEVEL
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -n V=1 BUILD="$tmp/b" >"$tmp/bare" || fail "make -n"
make -n V=1 BUILD="$tmp/b" all >"$tmp/all" || fail "make -n all"
grep -q -- "-o $tmp/b/trace-map-iter\$" "$tmp/bare" || fail "a bare make does not link the tool"
cmp -s "$tmp/bare" "$tmp/all" || fail "a bare make differs from make all"
echo "ok: a bare make builds all ($(grep -c -- ' -c ' "$tmp/bare") compiles)"
