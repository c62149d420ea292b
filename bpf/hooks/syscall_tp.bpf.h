/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook "tracepoint": syscalls:sys_enter_bpf / sys_exit_bpf. Fires for bpf()
 * only, on every kernel with CONFIG_FTRACE_SYSCALLS and every map type.
 * The map comes from the fd in the user's attr, the keys from user memory;
 * latency_ns spans the whole bpf() syscall (fd lookup, copies, the op).
 * Also the attr decoding shared with hook "raw_tp".
 */
#ifndef TMI_HOOK_SYSCALL_TP_BPF_H
#define TMI_HOOK_SYSCALL_TP_BPF_H

/* Cheap filters before any user-memory read. */
static __always_inline bool syscall_skip(__u32 tgid)
{
	return tgid == self_tgid || (targ_tgid && tgid != targ_tgid);
}

/* bpf(cmd, uattr) at syscall entry -> the shared handler. */
static __always_inline int syscall_enter(__u64 cmd, __u64 uattr)
{
	struct tmi_call c = { .cmd = cmd, .uattr = uattr };
	__u64 pid_tgid;
	__u32 fd;

	if (!traced_cmd(cmd))
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	if (syscall_skip(pid_tgid >> 32))
		return 0;
	if (cmd == TMI_CMD_GET_NEXT_KEY) {
		struct gnk_attr a;

		if (bpf_probe_read_user(&a, sizeof(a), (void *)uattr))
			return 0;
		fd = a.map_fd;
		c.cursor = a.key;
		c.next_key = a.next_key;
	} else {
		struct batch_attr b;

		if (bpf_probe_read_user(&b, sizeof(b), (void *)uattr))
			return 0;
		fd = b.map_fd;
		c.cursor = b.in_batch;
	}
	c.map = use_task_storage ? tmi_fd_to_map_btf(fd) : tmi_fd_to_map(fd);
	return on_enter(&c, pid_tgid);
}

SEC("tracepoint/syscalls/sys_enter_bpf")
int tmi_enter(struct trace_event_raw_sys_enter *ctx)
{
	return syscall_enter(ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int tmi_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(0, ctx->ret);
}

#endif
