/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Aggregate mode of the shared handler (rodata `aggregate`, set before load:
 * the verifier drops the event path then, and the event path drops this).
 * Nothing is copied from user memory beyond the hook's own attr read and
 * nothing is sent per call: calls, walks, a latency histogram and callers
 * are added up in per-CPU hash maps (no atomics) that userspace reads on
 * its interval. Walk rules: trace_map_iter.h "Walks in aggregate mode".
 *
 * Per-thread state (task storage, or an LRU hash keyed by tid before 5.12)
 * holds the call in flight and up to TMI_AGG_WALK_SLOTS maps' open walks;
 * a thread walking more maps at once forgets the least recently replaced
 * one (its walk then ends incomplete at exit, and a later call on it starts
 * a walk counted in walks_other_start).
 */
#ifndef TMI_AGG_BPF_H
#define TMI_AGG_BPF_H

#define TMI_AGG_WALK_SLOTS 4
/* Op hooks: the cursor's first TMI_AGG_KEY bytes are compared with the last
 * returned key's (longer keys: a walk continues when those bytes match). */
#define TMI_AGG_KEY 64

struct agg_walk {
	__u64 last_ptr;           /* syscall hooks: where the last get_next_key wrote */
	__u32 map_id;
	__u8 gnk_open, batch_open, used;
	__u8 _pad;
	__u8 last_key[TMI_AGG_KEY]; /* op hooks: the last returned key's bytes */
};

struct agg_thread {
	__u64 enter_ns;
	__u64 cursor;             /* as the hook gave it; 0 = NULL */
	__u64 next_key;
	__u64 map;                /* struct bpf_map *: names the map on its first call */
	__u32 map_id;
	__u16 cmd;
	__u16 key_len;            /* min(key_size, TMI_AGG_KEY) */
	__u8 active, kernel_keys, next_slot;
	__u8 tracer;              /* TMI_TRACER_*: this thread's is_tracer(), once */
	__u32 selected_map_id;    /* the last map id found in target_maps (0: none) */
	__u8 cursor_key[TMI_AGG_KEY]; /* op hooks: the cursor's bytes at entry */
	struct agg_walk walks[TMI_AGG_WALK_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct agg_thread);
} agg_task SEC(".maps");

/* Before 5.12: kept across calls (walks span calls), bounded by LRU. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct agg_thread);
} agg_tid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* ~8 KiB per CPU per map walked */
	__uint(max_entries, 1024); /* at least the selection, set by userspace; gone
				    * maps' entries are deleted by userspace once read */
	__type(key, __u32);        /* map id */
	__type(value, struct tmi_agg_map);
} agg_maps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory for the callers seen only */
	__uint(max_entries, 8192);
	__type(key, struct tmi_agg_caller_key);
	__type(value, struct tmi_agg_caller);
} agg_callers SEC(".maps");

static const struct agg_thread agg_zero_thread;
static const struct tmi_agg_map agg_zero_map;

/* -p with several pids and --comm, filtered in the kernel in this mode
 * (no event reaches userspace to filter). */
const volatile bool agg_pid_set = false;
const volatile char agg_comm[TMI_COMM_LEN] = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized to the pid set by userspace */
	__type(key, __u32);     /* tgid */
	__type(value, __u8);
} agg_pids SEC(".maps");

static __always_inline struct agg_thread *agg_state(__u32 tid, bool create)
{
	struct agg_thread *st;

	if (use_task_storage)
		return bpf_task_storage_get(&agg_task, bpf_get_current_task_btf(), 0,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	st = bpf_map_lookup_elem(&agg_tid, &tid);
	if (st || !create)
		return st;
	bpf_map_update_elem(&agg_tid, &tid, &agg_zero_thread, BPF_NOEXIST);
	return bpf_map_lookup_elem(&agg_tid, &tid);
}

static __always_inline bool agg_wanted(__u32 tgid)
{
	char comm[TMI_COMM_LEN];

	if (agg_pid_set && !bpf_map_lookup_elem(&agg_pids, &tgid))
		return false;
	if (!agg_comm[0])
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < TMI_COMM_LEN; i++) {
		if (comm[i] != agg_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* Reads a kernel key's first n (1..TMI_AGG_KEY) bytes, zero-padded. */
static __always_inline void agg_read_key(__u8 *dst, __u32 n, __u64 src)
{
	__u64 len = n;

	__builtin_memset(dst, 0, TMI_AGG_KEY);
	asm volatile("%[len] &= 63" : [len] "+r"(len));
	if (len == 0)
		len = TMI_AGG_KEY; /* n == 64 */
	if (len > TMI_AGG_KEY)
		return;
	bpf_probe_read_kernel(dst, len, (void *)src);
}

static __always_inline bool agg_same_key(const __u8 *a, const __u8 *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	for (int i = 0; i < TMI_AGG_KEY / 8; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static __always_inline int agg_enter(const struct tmi_call *c, struct bpf_map *map,
				     __u32 map_id, __u32 tgid, __u32 tid)
{
	struct agg_thread *st;

	if (!agg_wanted(tgid))
		return 0;
	if (use_task_storage) {
		st = agg_state(tid, true);
		if (st ? skip_call_kept(&st->tracer, &st->selected_map_id, tgid, map_id)
		       : skip_call(tgid, map_id))
			return 0;
	} else {
		/* The bounded tid map gets no state for an unselected call. */
		if (skip_call(tgid, map_id))
			return 0;
		st = agg_state(tid, true);
	}
	if (!st) {
		count(TMI_CNT_NO_SLOT);
		count_lost(map_id);
		return 0;
	}
	/* An array's batch lookup runs get_next_key inside the kernel: part
	 * of the batch, never get_next_key calls of their own. */
	if (c->nested_ok && st->active && st->cmd != TMI_CMD_GET_NEXT_KEY &&
	    c->cmd == TMI_CMD_GET_NEXT_KEY)
		return 0;
	st->map = (__u64)map;
	st->map_id = map_id;
	st->cmd = c->cmd;
	st->cursor = c->cursor;
	st->next_key = c->next_key;
	st->kernel_keys = c->kernel_keys;
	if (c->kernel_keys && c->cmd == TMI_CMD_GET_NEXT_KEY) {
		__u32 ks = BPF_CORE_READ(map, key_size);

		st->key_len = ks > TMI_AGG_KEY ? TMI_AGG_KEY : ks;
		/* The kernel frees its copy of the cursor before returning. */
		if (c->cursor && st->key_len)
			agg_read_key(st->cursor_key, st->key_len, c->cursor);
	}
	st->active = 1;
	st->enter_ns = bpf_ktime_get_ns();
	return 0;
}

/* This thread's walk slot for map_id: the one it has, or the next to reuse. */
static __always_inline struct agg_walk *agg_slot(struct agg_thread *st, __u32 map_id)
{
	__u32 i, pick;

	for (i = 0; i < TMI_AGG_WALK_SLOTS; i++)
		if (st->walks[i].used && st->walks[i].map_id == map_id)
			return &st->walks[i];
	pick = st->next_slot % TMI_AGG_WALK_SLOTS;
	st->next_slot = (pick + 1) % TMI_AGG_WALK_SLOTS;
	st->walks[pick].used = 1;
	st->walks[pick].map_id = map_id;
	st->walks[pick].gnk_open = 0;
	st->walks[pick].batch_open = 0;
	st->walks[pick].last_ptr = 0;
	return &st->walks[pick];
}

/* The map's totals, created on its first call (NULL: agg_maps is full). */
static __always_inline struct tmi_agg_map *agg_map_of(__u64 map_ptr, __u32 map_id)
{
	struct bpf_map *map = (struct bpf_map *)map_ptr;
	struct tmi_agg_map *m = bpf_map_lookup_elem(&agg_maps, &map_id);
	bool created;

	if (m)
		return m;
	created = bpf_map_update_elem(&agg_maps, &map_id, &agg_zero_map, BPF_NOEXIST) == 0;
	m = bpf_map_lookup_elem(&agg_maps, &map_id);
	if (m && created) {
		/* Kept for a map that is gone by the time userspace reads. */
		m->map_type = BPF_CORE_READ(map, map_type);
		bpf_probe_read_kernel_str(m->map_name, sizeof(m->map_name), &map->name);
	}
	return m;
}

/* Adds the call to its caller: its slot in the map's value (the first
 * TMI_AGG_CALLER_SLOTS callers on this CPU: no lookup, ~65 ns less per
 * call), else its agg_callers entry; a full agg_callers is counted, not
 * hidden. */
static __always_inline void agg_caller(struct tmi_agg_map *m, __u32 map_id, __u32 tgid,
				       __u64 walks)
{
	struct tmi_agg_caller_key k = { .map_id = map_id, .tgid = tgid };
	struct tmi_agg_caller *c;

	for (int i = 0; i < TMI_AGG_CALLER_SLOTS; i++) {
		struct tmi_agg_caller_slot *s = &m->callers[i];

		if (!s->tgid) {
			s->tgid = tgid;
			bpf_get_current_comm(s->comm, sizeof(s->comm));
		}
		if (s->tgid == tgid) {
			s->calls += 1;
			s->walks += walks;
			return;
		}
	}
	c = bpf_map_lookup_elem(&agg_callers, &k);

	if (!c) {
		struct tmi_agg_caller fresh = {};

		bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
		bpf_map_update_elem(&agg_callers, &k, &fresh, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&agg_callers, &k);
		if (!c) {
			m->callers_overflow += 1;
			return;
		}
	}
	c->calls += 1;
	c->walks += walks;
}

/* Walk accounting of a get_next_key that succeeded or ended (ENOENT);
 * returns 1 when it started a walk. */
static __always_inline __u64 agg_gnk_walk(struct agg_thread *st, struct agg_walk *w,
					  struct tmi_agg_map *m, long ret)
{
	__u64 started = 0;
	bool continues;

	if (st->kernel_keys)
		continues = st->cursor && w->gnk_open && agg_same_key(st->cursor_key, w->last_key);
	else
		continues = st->cursor && w->gnk_open && st->cursor == w->last_ptr;
	if (!continues) {
		if (w->gnk_open)
			m->walks_abandoned += 1;
		m->walks_started += 1;
		if (st->cursor)
			m->walks_other_start += 1;
		w->gnk_open = 1;
		started = 1;
	}
	if (ret == -ENOENT) {
		m->walks_complete += 1;
		w->gnk_open = 0;
		w->last_ptr = 0;
		return started;
	}
	w->last_ptr = st->next_key;
	if (st->kernel_keys && st->key_len)
		agg_read_key(w->last_key, st->key_len, st->next_key);
	return started;
}

static __always_inline __u64 agg_batch_walk(struct agg_thread *st, struct agg_walk *w,
					    struct tmi_agg_map *m, long ret)
{
	__u64 started = 0;

	if (!st->cursor || !w->batch_open) {
		if (w->batch_open)
			m->batch_walks_abandoned += 1;
		m->batch_walks_started += 1;
		if (st->cursor)
			m->walks_other_start += 1;
		w->batch_open = 1;
		started = 1;
	}
	if (ret == -ENOENT) {
		m->batch_walks_complete += 1;
		w->batch_open = 0;
	}
	return started;
}

static __always_inline int agg_exit(__u16 cmd, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), now, lat, started, b;
	__u32 tid = (__u32)pid_tgid;
	struct agg_thread *st = agg_state(tid, false);
	struct tmi_agg_map *m;
	struct agg_walk *w;

	if (!st || !st->active || (cmd && st->cmd != cmd))
		return 0;
	now = bpf_ktime_get_ns();
	st->active = 0;
	if (ret != 0 && ret != -ENOENT) {
		count_failed(st->map_id, ret);
		return 0;
	}
	/* As on the event path: calls = added up + lost (here: agg_maps full). */
	count(TMI_CNT_CALLS);
	m = agg_map_of(st->map, st->map_id);
	if (!m) {
		count_lost(st->map_id);
		return 0;
	}
	lat = now - st->enter_ns;
	if (st->cmd == TMI_CMD_GET_NEXT_KEY)
		m->get_next_key_calls += 1;
	else if (st->cmd == TMI_CMD_LOOKUP_BATCH)
		m->lookup_batch_calls += 1;
	else
		m->lookup_and_delete_batch_calls += 1;
	b = tmi_agg_bucket(lat);
	/* Bounded on the register that indexes (clang may otherwise test a
	 * copy): 2047 >= TMI_AGG_BUCKETS - 1. */
	asm volatile("%[b] &= 2047" : [b] "+r"(b));
	if (b < TMI_AGG_BUCKETS)
		m->hist[b] += 1;
	m->latency_sum_ns += lat;
	if (lat > m->latency_max_ns)
		m->latency_max_ns = lat;

	w = agg_slot(st, st->map_id);
	if (st->cmd == TMI_CMD_GET_NEXT_KEY)
		started = agg_gnk_walk(st, w, m, ret);
	else
		started = agg_batch_walk(st, w, m, ret);
	agg_caller(m, st->map_id, pid_tgid >> 32, started);
	return 0;
}

#endif
