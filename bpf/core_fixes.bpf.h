/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel-version differences, in one place. Everything else in bpf/ reads
 * kernel structs only through the helpers here.
 */
#ifndef TMI_CORE_FIXES_BPF_H
#define TMI_CORE_FIXES_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/*
 * fd -> struct file -> struct bpf_map for the current task.
 *
 * Direct loads through BTF pointers (bpf_get_current_task_btf, and the
 * bpf_rdonly_cast kfunc for the pointers we read) compile to exception-table
 * protected loads: a few ns each, where every bpf_probe_read_kernel is a
 * helper call. Only fds[fd] needs the helper (variable index into a plain
 * pointer array). files_struct->fdt and fdtable->{max_fds,fd} have been
 * stable since 2.6; file->private_data holds the struct bpf_map for map fds
 * (kernel/bpf/syscall.c: bpf_map_new_fd). A non-map fd yields garbage here:
 * harmless, because the syscall then fails with EBADF/EINVAL and the exit
 * program discards the call.
 */
static __always_inline struct bpf_map *tmi_fd_to_map(__u32 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *file = NULL, *f;

	if (fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
	if (!file)
		return NULL;
	f = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
	return bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct bpf_map));
}

/*
 * Hash-table geometry. struct bpf_htab is private to kernel/bpf/hashtab.c but
 * is in vmlinux BTF; this flavour names only the fields we read, so CO-RE
 * relocates them whatever else the struct holds on a given kernel.
 */
struct bpf_htab___tmi {
	u32 n_buckets;
	u32 hashrnd;
} __attribute__((preserve_access_index));

/*
 * bpf(2)'s syscall number and argument registers for the raw sys_enter
 * tracepoint, which passes the user's pt_regs (arch/x86/entry/syscall_64.c,
 * arch/arm64/kernel/syscall.c). PT_REGS_PARM*_SYSCALL pick orig_x0 on arm64.
 */
#if defined(__TARGET_ARCH_x86)
#define TMI_NR_BPF 321
#define TMI_SYSCALL_NR(regs) ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define TMI_NR_BPF 280
#define TMI_SYSCALL_NR(regs) ((regs)->syscallno)
#elif defined(__TARGET_ARCH_riscv)
#define TMI_NR_BPF 280
#define TMI_SYSCALL_NR(regs) ((regs)->a7)
#else
#error "add bpf(2)'s syscall number for this architecture"
#endif

static __always_inline struct pt_regs *tmi_syscall_regs(__u64 regs)
{
	return bpf_rdonly_cast((void *)regs, bpf_core_type_id_kernel(struct pt_regs));
}

#endif /* TMI_CORE_FIXES_BPF_H */
