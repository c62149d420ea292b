#!/usr/bin/env bash
# debian/: the package version is VERSION (a native package), every
# Build-Depends is installed by scripts/install-deps.sh's list (so
# `dpkg-buildpackage -us -uc -b` can run where `make test` runs), the rules
# file is executable and names the targets it overrides.  The package build
# itself takes minutes: it is run by hand (README "Install and packaging").
# usage: tests/packaging/debian.sh [BUILD_DIR]   (from the tree's top)
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "FAIL: $*" >&2; exit 1; }

v=$(dpkg-parsechangelog -S Version) || fail "dpkg-parsechangelog"
[ "$v" = "$(cat VERSION)" ] || fail "debian/changelog says $v, VERSION says $(cat VERSION)"
[ "$(cat debian/source/format)" = "3.0 (native)" ] || fail "not a native package"
[ -x debian/rules ] || fail "debian/rules is not executable"
dpkg-checkbuilddeps || fail "Build-Depends not installed"
# Every Build-Depends is in install-deps.sh's package list.
deps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control | sed '1s/^Build-Depends://; $d' |
	tr ',' '\n' | sed 's/(.*)//; s/ //g' | sed '/^$/d')
listed=$(sed -n '/^packages=(/,/^)/p' scripts/install-deps.sh | sed 's/#.*//')
for d in $deps; do
	[ "$d" = debhelper-compat ] && d=debhelper
	grep -qw -- "$d" <<<"$listed" || fail "Build-Depends $d is not in scripts/install-deps.sh"
done
echo "ok: debian/ $v, build dependencies installed and listed"
