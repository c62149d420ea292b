#!/usr/bin/env bash
# Mounts tracefs and bpffs when missing (the tool mounts tracefs itself too;
# the tests pin maps in bpffs). Needs root.
set -euo pipefail
if [ ! -d /sys/kernel/tracing/events ]; then
  mount -t tracefs tracefs /sys/kernel/tracing
fi
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != "bpf_fs" ]; then
  mount -t bpf bpf /sys/fs/bpf
fi
