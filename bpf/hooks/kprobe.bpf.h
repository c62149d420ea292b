/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook "kprobe": kprobe/kretprobe on the same operations as hook "fentry"
 * (see fentry.bpf.h for what is covered), for kernels with kprobes but no
 * BPF trampoline. Same arguments, same latency span (the map operation),
 * plus the probes' own cost. A kretprobe can miss returns when more than
 * maxactive calls are in flight; a missed return leaves no event.
 */
#ifndef TMI_HOOK_KPROBE_BPF_H
#define TMI_HOOK_KPROBE_BPF_H

#define TMI_KPROBE_GNK(fn)                                                        \
	SEC("kprobe/" #fn)                                                        \
	int BPF_KPROBE(tmi_kprobe_##fn, struct bpf_map *map, void *key, void *next_key) \
	{                                                                         \
		return op_gnk_enter(map, key, next_key);                          \
	}                                                                         \
	SEC("kretprobe/" #fn)                                                     \
	int BPF_KRETPROBE(tmi_kretprobe_##fn, long ret)                           \
	{                                                                         \
		return op_exit(TMI_CMD_GET_NEXT_KEY, (int)ret);                   \
	}

#define TMI_KPROBE_BATCH(fn, cmd)                                                 \
	SEC("kprobe/" #fn)                                                        \
	int BPF_KPROBE(tmi_kprobe_##fn, struct bpf_map *map, const union bpf_attr *attr, \
		       union bpf_attr *uattr)                                     \
	{                                                                         \
		return op_batch_enter(map, attr, uattr, cmd);                     \
	}                                                                         \
	SEC("kretprobe/" #fn)                                                     \
	int BPF_KRETPROBE(tmi_kretprobe_##fn, long ret)                           \
	{                                                                         \
		return op_exit(cmd, (int)ret);                                    \
	}

#define L TMI_CMD_LOOKUP_BATCH
#define LD TMI_CMD_LOOKUP_AND_DELETE_BATCH
TMI_KPROBE_GNK(htab_map_get_next_key)
TMI_KPROBE_GNK(array_map_get_next_key)
TMI_KPROBE_BATCH(htab_map_lookup_batch, L)
TMI_KPROBE_BATCH(htab_lru_map_lookup_batch, L)
TMI_KPROBE_BATCH(htab_percpu_map_lookup_batch, L)
TMI_KPROBE_BATCH(htab_lru_percpu_map_lookup_batch, L)
TMI_KPROBE_BATCH(generic_map_lookup_batch, L)
TMI_KPROBE_BATCH(htab_map_lookup_and_delete_batch, LD)
TMI_KPROBE_BATCH(htab_lru_map_lookup_and_delete_batch, LD)
TMI_KPROBE_BATCH(htab_percpu_map_lookup_and_delete_batch, LD)
TMI_KPROBE_BATCH(htab_lru_percpu_map_lookup_and_delete_batch, LD)
#undef L
#undef LD

#endif
