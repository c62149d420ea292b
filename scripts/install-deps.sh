#!/usr/bin/env bash
# Installs every Debian 12 package trace-map-iter needs to build, test and bench.
# Idempotent; run as root. Exits non-zero when apt fails.
set -euo pipefail

packages=(
  build-essential make pkg-config
  clang llvm                       # clang -target bpf, llvm-strip
  libbpf-dev libelf-dev zlib1g-dev # libbpf + its link deps
  bpftool                          # vmlinux.h, skeletons, bench baseline
  libcli11-dev libfmt-dev          # CLI, formatting
  libssl-dev                       # SHA-256 (OpenSSL EVP)
  nlohmann-json3-dev               # parsing dump files and traced JSON
  libgtest-dev googletest          # unit + integration tests
  libexpat1-dev                    # tests: parsing the SVG `buckets --svg` writes
  time                             # make bench: peak RSS of the tool
  prometheus-cpp-dev               # serve: exposition format + HTTP (core + pull)
  libncurses-dev tmux              # top's full-screen view; its tests drive it in tmux
  qemu-system-x86 busybox-static cpio # make test-kernels: guests, their initramfs
  python3                          # scripts/soak.sh (its load generator)
  jq                               # tests: jq paths on dumps' "formatted" objects
  libclang-rt-14-dev               # make fuzz: libFuzzer and ASan runtimes for clang
  linux-libc-dev
  # tests/packaging: promtool, systemd-analyze, man/groff, strace, YAML,
  # dpkg-buildflags; debhelper for dpkg-buildpackage (debian/)
  prometheus systemd man-db groff-base strace python3-yaml dpkg-dev debhelper
)

if [ "$(id -u)" -ne 0 ]; then
  echo "error: install-deps: must run as root" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"
