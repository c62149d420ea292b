// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * htab_info.bpf.c: reads a hash map's geometry (n_buckets, hashrnd) from the
 * kernel's struct bpf_htab, read-only. No kprobes or iterators here: the
 * tool calls BPF_OBJ_GET_INFO_BY_FD on the map's fd, and this program, on
 * that syscall's entry, resolves the fd to the map (CO-RE) and copies the
 * two fields. Only the tool's own process and the chosen fd are looked at.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "core_fixes.bpf.h"

#define TMI_CMD_OBJ_GET_INFO_BY_FD 15

const volatile __u32 self_tgid = 0;
__u32 want_fd = 0;

struct {
	__u32 done;
	__u32 map_id;
	__u32 n_buckets;
	__u32 hashrnd;
} result = {};

SEC("tracepoint/syscalls/sys_enter_bpf")
int htab_info(struct trace_event_raw_sys_enter *ctx)
{
	struct bpf_htab___tmi *htab;
	struct bpf_map *map;
	__u32 fd;

	if (ctx->args[0] != TMI_CMD_OBJ_GET_INFO_BY_FD ||
	    (bpf_get_current_pid_tgid() >> 32) != self_tgid)
		return 0;
	/* attr.info.bpf_fd is the first u32 of union bpf_attr */
	if (bpf_probe_read_user(&fd, sizeof(fd), (void *)ctx->args[1]) || fd != want_fd)
		return 0;
	map = tmi_fd_to_map(fd);
	if (!map)
		return 0;
	/* struct bpf_htab embeds struct bpf_map as its first member. */
	htab = (struct bpf_htab___tmi *)map;
	result.n_buckets = BPF_CORE_READ(htab, n_buckets);
	result.hashrnd = BPF_CORE_READ(htab, hashrnd);
	result.map_id = BPF_CORE_READ(map, id);
	result.done = 1;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
