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

/*
 * fd -> struct file -> struct bpf_map for the current task.
 *
 * files_struct->fdt and fdtable->{max_fds,fd} have been stable since 2.6;
 * file->private_data holds the struct bpf_map for map fds
 * (kernel/bpf/syscall.c: bpf_map_new_fd -> anon_inode_getfd(..., map, ...)).
 * A non-map fd yields garbage here: that is harmless, because the syscall
 * then fails with EBADF/EINVAL and the exit program discards the call.
 */
static __always_inline struct bpf_map *tmi_fd_to_map(__u32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
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

#endif /* TMI_CORE_FIXES_BPF_H */
