// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench_floor.bpf.c: the benchmark's floor. Two empty programs on the same
 * tracepoints the tracer uses: what any tracer of bpf() must pay at least.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_bpf")
int floor_enter(void *ctx) { return 0; }

SEC("tracepoint/syscalls/sys_exit_bpf")
int floor_exit(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
