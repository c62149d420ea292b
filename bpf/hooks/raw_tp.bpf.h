/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook "raw_tp": the raw sys_enter / sys_exit tracepoints. They fire for
 * every syscall of the machine but cost less per bpf() call (no perf
 * buffer per event). Same attr decoding and latency span as "tracepoint".
 */
#ifndef TMI_HOOK_RAW_TP_BPF_H
#define TMI_HOOK_RAW_TP_BPF_H

SEC("raw_tp/sys_enter")
int tmi_raw_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs;

	if (ctx->args[1] != TMI_NR_BPF)
		return 0;
	regs = (struct pt_regs *)ctx->args[0];
	return syscall_enter(PT_REGS_PARM1_CORE_SYSCALL(regs), PT_REGS_PARM2_CORE_SYSCALL(regs));
}

SEC("raw_tp/sys_exit")
int tmi_raw_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];

	/* sys_exit does not pass the syscall number: it is in orig_ax. */
	if (TMI_SYSCALL_NR(regs) != TMI_NR_BPF)
		return 0;
	return on_exit(0, ctx->args[1]);
}

#endif
