/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook "fentry": fentry/fexit on the map types' own operations
 * (kernel/bpf/hashtab.c, arraymap.c, syscall.c). The map pointer and the
 * kernel's key buffers come as arguments: no fd resolution and no
 * user-memory copies of keys. latency_ns spans the map operation only (not
 * the fd lookup or the copies to and from user memory the syscall adds).
 *
 * Covered: get_next_key of the hash family (htab_map_get_next_key serves
 * hash, lru_hash, percpu_hash, lru_percpu_hash and hash_of_maps) and of the
 * array family (array_map_get_next_key: array, percpu_array, prog_array,
 * perf_event_array, cgroup_array, array_of_maps); the hash family's batch
 * ops; generic_map_lookup_batch (arrays), which calls get_next_key itself:
 * those nested calls are part of the batch (on_enter's nested_ok).
 */
#ifndef TMI_HOOK_FENTRY_BPF_H
#define TMI_HOOK_FENTRY_BPF_H

static __always_inline int op_gnk_enter(struct bpf_map *map, void *key, void *next_key)
{
	struct tmi_call c = {
		.map = map, .cursor = (__u64)key, .next_key = (__u64)next_key,
		.cmd = TMI_CMD_GET_NEXT_KEY, .kernel_keys = true, .nested_ok = true,
	};

	return op_enter(&c);
}

static __always_inline int op_batch_enter(struct bpf_map *map, const union bpf_attr *attr,
					  union bpf_attr *uattr, __u16 cmd)
{
	struct tmi_call c = {
		.map = map, .cursor = BPF_CORE_READ(attr, batch.in_batch),
		.uattr = (__u64)uattr, .cmd = cmd, .nested_ok = true,
	};

	return op_enter(&c);
}

#define TMI_FENTRY_GNK(fn)                                                        \
	SEC("fentry/" #fn)                                                        \
	int BPF_PROG(tmi_fentry_##fn, struct bpf_map *map, void *key, void *next_key) \
	{                                                                         \
		return op_gnk_enter(map, key, next_key);                          \
	}                                                                         \
	SEC("fexit/" #fn)                                                         \
	int BPF_PROG(tmi_fexit_##fn, struct bpf_map *map, void *key, void *next_key, \
		     int ret)                                                     \
	{                                                                         \
		return op_exit(TMI_CMD_GET_NEXT_KEY, ret);                        \
	}

#define TMI_FENTRY_BATCH(fn, cmd)                                                 \
	SEC("fentry/" #fn)                                                        \
	int BPF_PROG(tmi_fentry_##fn, struct bpf_map *map, const union bpf_attr *attr, \
		     union bpf_attr *uattr)                                       \
	{                                                                         \
		return op_batch_enter(map, attr, uattr, cmd);                     \
	}                                                                         \
	SEC("fexit/" #fn)                                                         \
	int BPF_PROG(tmi_fexit_##fn, struct bpf_map *map, const union bpf_attr *attr, \
		     union bpf_attr *uattr, int ret)                              \
	{                                                                         \
		return op_exit(cmd, ret);                                         \
	}

#define L TMI_CMD_LOOKUP_BATCH
#define LD TMI_CMD_LOOKUP_AND_DELETE_BATCH
TMI_FENTRY_GNK(htab_map_get_next_key)
TMI_FENTRY_GNK(array_map_get_next_key)
TMI_FENTRY_BATCH(htab_map_lookup_batch, L)
TMI_FENTRY_BATCH(htab_lru_map_lookup_batch, L)
TMI_FENTRY_BATCH(htab_percpu_map_lookup_batch, L)
TMI_FENTRY_BATCH(htab_lru_percpu_map_lookup_batch, L)
TMI_FENTRY_BATCH(generic_map_lookup_batch, L)
TMI_FENTRY_BATCH(htab_map_lookup_and_delete_batch, LD)
TMI_FENTRY_BATCH(htab_lru_map_lookup_and_delete_batch, LD)
TMI_FENTRY_BATCH(htab_percpu_map_lookup_and_delete_batch, LD)
TMI_FENTRY_BATCH(htab_lru_percpu_map_lookup_and_delete_batch, LD)
#undef L
#undef LD

#endif
