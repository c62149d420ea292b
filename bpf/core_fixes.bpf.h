/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel-version differences, in one place (libbpf-tools' style). Everything
 * else in bpf/ reads kernel structs only through the helpers here.
 *
 * The oldest kernel this is written for is 5.10 (the oldest LTS fleets run);
 * it is tested on Debian 12's 6.1 and on 6.12/6.18. What each needs:
 *
 *   what                          since   commit / note
 *   ring buffer                   5.8     457f44363a88 (bpf: Implement BPF ring buffer)
 *   BTF raw_tp args, fentry/fexit 5.5     fec56f5890d9 (bpf: Introduce BPF trampoline)
 *   kprobes, syscall tracepoints  always  (CONFIG_KPROBES, CONFIG_FTRACE_SYSCALLS)
 *   task storage for tracing      5.12    "bpf: Enable task local storage for tracing
 *                                         programs" (Song Liu); before that the
 *                                         per-thread state lives in a hash map keyed by
 *                                         tid (use_task_storage, chosen before load)
 *   bpf_get_current_task_btf      5.11    "bpf: Implement get_current_task_btf and
 *                                         RET_PTR_TO_BTF_ID"; used only where task storage
 *                                         is (5.12+): tmi_fd_to_map_btf(); elsewhere
 *                                         bpf_get_current_task() and CO-RE probe reads
 *   bpf_rdonly_cast kfunc         6.2     a35b9af4ec2c (bpf: Add a kfunc for generic
 *                                         type cast); optional: a __weak ksym called only
 *                                         when userspace sets has_rdonly_cast (on 6.1 the
 *                                         verifier removes the dead call and libbpf leaves
 *                                         it unresolved); see tmi_map_id()
 *   task_struct::start_boottime   5.5     renamed from real_start_time (see below)
 *   bpf_htab::n_buckets, hashrnd  3.18    private to kernel/bpf/hashtab.c, in vmlinux BTF
 *
 * Verifier differences: 6.1 loses the bounds of a register * register
 * multiply (the ring-buffer record size is built from conditional
 * additions instead, tracer.bpf.c on_exit).
 */
#ifndef TMI_CORE_FIXES_BPF_H
#define TMI_CORE_FIXES_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/*
 * bpf_rdonly_cast (6.2+) turns a kernel pointer into a read-only, untrusted
 * BTF pointer whose fields are plain loads (the JIT makes them fault-safe,
 * as a probe read is) and the verifier inlines the call itself: no helper
 * call. Each probe read it replaces cost ~50 ns (bpf_stats on 6.18; three
 * per call on the syscall hooks, ~25% of the enter program). Userspace sets
 * has_rdonly_cast before load when the kernel's BTF has the kfunc.
 */
extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym __weak;
const volatile bool has_rdonly_cast = false;

/* map->id, read once per call by every hook. */
static __always_inline __u32 tmi_map_id(struct bpf_map *map)
{
	if (has_rdonly_cast)
		return ((struct bpf_map *)bpf_rdonly_cast(
				map, bpf_core_type_id_kernel(struct bpf_map)))->id;
	return BPF_CORE_READ(map, id);
}

/*
 * fd -> struct file -> struct bpf_map for the current task, with CO-RE
 * probe reads only (no kfunc, no BTF task pointer: loads on 5.10).
 * files_struct->fdt and fdtable->{max_fds,fd} have been stable since 2.6;
 * file->private_data holds the struct bpf_map for map fds
 * (kernel/bpf/syscall.c: bpf_map_new_fd). A non-map fd yields garbage here:
 * harmless, because the syscall then fails with EBADF/EINVAL and the exit
 * program counts it as failed without reading the map.
 */
static __always_inline struct bpf_map *tmi_fd_to_map(__u32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	return BPF_CORE_READ(file, private_data);
}

/* The pointer stored at kernel address `slot` (an array element the
 * verifier has no type for): with the cast, the slot is read as the one
 * member of an 8-byte struct of pointer type (struct llist_node: next). */
static __always_inline void *tmi_load_ptr(void *slot)
{
	void *p = NULL;

	if (has_rdonly_cast)
		return ((struct llist_node *)bpf_rdonly_cast(
				slot, bpf_core_type_id_kernel(struct llist_node)))->next;
	bpf_probe_read_kernel(&p, sizeof(p), slot);
	return p;
}

/*
 * The same walk with the task as a BTF pointer (5.11+; callers use it where
 * task storage works, 5.12+): task->files->fdt and the fdtable's fields are
 * plain loads (the verifier makes them fault-safe), not helper calls. The
 * fd array slot (a pointer to pointer: untyped to the verifier) and the
 * file's private_data take a probe read each before 6.2, plain loads
 * through bpf_rdonly_cast since.
 */
static __always_inline struct bpf_map *tmi_fd_to_map_btf(__u32 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *file;

	if (!fdt || fd >= fdt->max_fds)
		return NULL;
	file = tmi_load_ptr(&fdt->fd[fd]);
	if (!file)
		return NULL;
	if (has_rdonly_cast)
		return ((struct file *)bpf_rdonly_cast(
				file, bpf_core_type_id_kernel(struct file)))->private_data;
	return BPF_CORE_READ(file, private_data);
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
 * The process start time /proc/PID/stat reports (field 22): 5.5 renamed
 * task_struct::real_start_time to start_boottime (same meaning: boot-based
 * ns, "time: Rename tsk->real_start_time to ->start_boottime", 5.5).
 */
struct task_struct___o {
	u64 real_start_time;
} __attribute__((preserve_access_index));

static __always_inline __u64 tmi_current_start_boottime(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);

	if (bpf_core_field_exists(leader->start_boottime))
		return BPF_CORE_READ(leader, start_boottime);
	return BPF_CORE_READ((struct task_struct___o *)leader, real_start_time);
}

/*
 * bpf(2)'s syscall number and argument registers for the raw sys_enter
 * tracepoint, which passes the user's pt_regs (arch/x86/entry/syscall_64.c,
 * arch/arm64/kernel/syscall.c). PT_REGS_PARM*_CORE_SYSCALL read them with
 * CO-RE (the pointer is not a BTF pointer on a raw tracepoint).
 */
#if defined(__TARGET_ARCH_x86)
#define TMI_NR_BPF 321
#define TMI_SYSCALL_NR(regs) BPF_CORE_READ(regs, orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define TMI_NR_BPF 280
#define TMI_SYSCALL_NR(regs) BPF_CORE_READ(regs, syscallno)
#elif defined(__TARGET_ARCH_riscv)
#define TMI_NR_BPF 280
#define TMI_SYSCALL_NR(regs) BPF_CORE_READ(regs, a7)
#else
#error "add bpf(2)'s syscall number for this architecture"
#endif

#endif /* TMI_CORE_FIXES_BPF_H */
