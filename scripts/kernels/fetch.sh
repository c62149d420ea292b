#!/usr/bin/env bash
# fetch.sh CACHE PACKAGE: downloads a Debian kernel image package with
# `apt-get download` (nothing is installed on the host) into CACHE and
# extracts only its vmlinuz.  PACKAGE may be a metapackage
# (linux-image-amd64, linux-image-6.12-amd64): its linux-image-* dependency
# is resolved with apt-cache.  Prints the path of the extracted vmlinuz on
# stdout.  A cached vmlinuz is reused; the .deb is deleted after extraction.
# Exits 2 with one "error: ..." line when the package can't be resolved or
# fetched.
set -euo pipefail

cache=${1:?usage: fetch.sh CACHE PACKAGE}
pkg=${2:?usage: fetch.sh CACHE PACKAGE}
die() { echo "error: fetching kernel $pkg: $*" >&2; exit 2; }

# A metapackage depends on exactly one versioned image package.
resolve() {
	local p=$1 dep
	# A versioned image (linux-image-6.1.0-57-amd64, linux-image-6.12.117+deb12-amd64)
	# ships the kernel itself: it has a file list, so no further resolution.
	if [[ $p =~ ^linux-image-[0-9]+\.[0-9]+\.[0-9]+ ]]; then
		echo "$p"
		return
	fi
	dep=$(apt-cache depends "$p" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
	[ -n "$dep" ] || die "apt-cache finds no linux-image-N dependency of $p (apt-get update? suite missing from sources?)"
	echo "$dep"
}

image=$(resolve "$pkg")
mkdir -p "$cache"
vmlinuz=$cache/vmlinuz-${image#linux-image-}
if [ -s "$vmlinuz" ]; then
	echo "$vmlinuz"
	exit 0
fi

tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$image" >&2) || die "apt-get download $image failed"
deb=$(ls "$tmp"/*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || die "apt-get download $image left no .deb"
# Only ./boot/vmlinuz-*: no modules (the guest needs none), no /lib.
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' ||
	die "no boot/vmlinuz in $deb"
mv "$tmp"/boot/vmlinuz-* "$vmlinuz"
echo "$vmlinuz"
