/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Event structs shared by the BPF programs and the C++ userspace.
 * Only fixed-width types: both sides compile this header.
 */
#ifndef TRACE_MAP_ITER_H
#define TRACE_MAP_ITER_H

#define TMI_COMM_LEN 16
#define TMI_MAP_NAME_LEN 16 /* BPF_OBJ_NAME_LEN */
/* Keys up to this many bytes are recorded whole; longer ones are cut and
 * flagged TMI_F_KEY_TRUNCATED. */
#define TMI_MAX_KEY 512

/* bpf(2) commands we trace (values from uapi/linux/bpf.h). */
#define TMI_CMD_GET_NEXT_KEY 4
#define TMI_CMD_LOOKUP_BATCH 24
#define TMI_CMD_LOOKUP_AND_DELETE_BATCH 25

/* Event flags. */
#define TMI_F_CURSOR_NULL   (1u << 0) /* get_next_key with key == NULL, or batch with in_batch == NULL */
#define TMI_F_KEY_TRUNCATED (1u << 1) /* key_size > TMI_MAX_KEY: keys[] hold the first TMI_MAX_KEY bytes */
/* The cursor was not copied: it is the buffer into which this thread's
 * previous call (a successful get_next_key on the same map) returned its
 * key, so it holds that key unless the program rewrote it in between.
 * Never set with the exact_cursor setting. */
#define TMI_F_CURSOR_IS_LAST (1u << 2)

/*
 * One traced call (a bpf() command, or the map operation it runs on the
 * fentry/kprobe hooks), emitted when it returns.
 *
 * The record is this header followed directly (at offset
 * sizeof(struct tmi_event)) by n_keys keys of key_len bytes each: the cursor
 * key (absent when TMI_F_CURSOR_NULL), then the returned next key (present
 * only for get_next_key with ret == 0). Batch calls carry no keys;
 * batch_count is the number of entries the kernel returned.
 */
struct tmi_event {
	__u64 ts_ns;      /* bpf_ktime_get_ns() at the call's return */
	__u64 latency_ns; /* return - entry (README "Hooks": what that spans) */
	__u32 pid;        /* tgid */
	__u32 tid;
	__u32 map_id;
	__u32 map_type;
	__u32 key_size;   /* the map's key_size */
	__u16 key_len;    /* bytes recorded per key: min(key_size, TMI_MAX_KEY) */
	__u16 flags;
	__s32 ret;        /* 0 or -ENOENT (other errors are not reported) */
	__u32 batch_count;
	__u16 cmd;
	__u16 cpu;
	__u16 n_keys;
	__u16 _pad;
	char comm[TMI_COMM_LEN];
	/* The map's name as the kernel had it during the call (bpf_map.name),
	 * so a map that is gone by the time userspace reads it keeps its name. */
	char map_name[TMI_MAP_NAME_LEN];
};

/* Key of the `failed_by_errno` map: calls that failed, per map and errno. */
struct tmi_failed_key {
	__u32 map_id;
	__u32 err; /* positive errno */
};

/*
 * Value of the pinned registry of running tracers (key: tgid). A tracer's
 * programs skip the bpf() calls of every registered tracer whose process
 * start time matches, so a stale entry (a tracer killed with SIGKILL whose
 * pid was reused) never hides a user's calls. start_ticks is field 22 of
 * /proc/PID/stat: the group leader's start_boottime / ns_per_tick.
 */
struct tmi_tracer_entry {
	__u64 start_ticks;
	__u64 ns_per_tick;
};

/* Indices of the per-CPU counters in the `counters` array map. */
enum tmi_counter {
	TMI_CNT_CALLS = 0,     /* calls that matched the filters and completed */
	TMI_CNT_LOST,          /* events that could not be written to the ring buffer */
	TMI_CNT_NO_SLOT,       /* calls whose enter state could not be stored (counted as lost too) */
	TMI_CNT_FAILED,        /* calls that failed with an error other than ENOENT (not reported) */
	TMI_CNT_LOST_NO_ROOM,  /* of LOST: on maps lost_by_map had no room for */
	TMI_CNT_MAX,
};

/*
 * Aggregate mode (`--order none`, serve, top): no event per call. Each call
 * is added in the kernel to its map's tmi_agg_map (a per-CPU hash keyed by
 * map id: no atomics) and to its caller: one of the first
 * TMI_AGG_CALLER_SLOTS callers on that CPU has a slot in the map's value (no
 * second lookup per call), later ones a tmi_agg_caller (per-CPU hash keyed
 * by map id and tgid). Userspace reads the cumulative values, adds a
 * caller's slots and entries up and takes differences per interval.
 *
 * Latency buckets: the same log-linear geometry as userspace's LatencyHist
 * (user/analysis/latency.cpp): values below 128 ns have their own bucket,
 * then 64 buckets per power of two. The kernel keeps the powers of two up to
 * 2^TMI_AGG_MAX_MSB (68.7 s); longer calls land in the last bucket (max and
 * the sum stay exact). Counts are 32-bit per CPU: userspace reads them at
 * least every second and takes differences modulo 2^32.
 */
#define TMI_AGG_MAX_MSB 35
#define TMI_AGG_BUCKETS (128 + (TMI_AGG_MAX_MSB - 6) * 64) /* 1984 */

/* The bucket of a latency; both sides compile it (a unit test holds it to
 * LatencyHist's). No clz: BPF has no such instruction. */
static inline __u32 tmi_agg_bucket(__u64 v)
{
	__u64 x = v;
	__u32 msb = 0, shift;

	if (v < 128)
		return (__u32)v;
	if (x >> 32) { x >>= 32; msb += 32; }
	if (x >> 16) { x >>= 16; msb += 16; }
	if (x >> 8) { x >>= 8; msb += 8; }
	if (x >> 4) { x >>= 4; msb += 4; }
	if (x >> 2) { x >>= 2; msb += 2; }
	if (x >> 1) { msb += 1; }
	if (msb > TMI_AGG_MAX_MSB)
		return TMI_AGG_BUCKETS - 1;
	shift = msb - 6;
	return 128 + (shift - 1) * 64 + (__u32)((v >> shift) - 64);
}

/*
 * Walks in aggregate mode, per thread and map (bpf/agg.bpf.h): a get_next_key
 * walk starts at a NULL cursor (`walks_started`) or at any cursor that is not
 * the buffer this thread's last get_next_key on the map returned into
 * (also counted in `walks_other_start`: a resumed walk, a key from elsewhere,
 * a walk in progress when tracing began); it ends complete at ENOENT or
 * abandoned at the thread's next start on that map. Batch walks likewise
 * (in_batch == NULL starts; a batch call with no batch walk open starts one
 * too). The op hooks compare the cursor's bytes instead of its address (the
 * kernel copies keys into fresh buffers).
 */
#define TMI_AGG_CALLER_SLOTS 4

struct tmi_agg_caller_slot {
	__u32 tgid;                /* 0: free (tgid 0 makes no syscalls) */
	__u32 _pad;
	__u64 calls;
	__u64 walks;               /* walks this process started */
	char comm[TMI_COMM_LEN];   /* the calling thread's name when it took the slot */
};

struct tmi_agg_map {
	__u64 get_next_key_calls;
	__u64 lookup_batch_calls;
	__u64 lookup_and_delete_batch_calls;
	__u64 walks_started, walks_complete, walks_abandoned;
	__u64 batch_walks_started, batch_walks_complete, batch_walks_abandoned;
	__u64 walks_other_start;   /* of walks_started + batch_walks_started */
	__u64 latency_sum_ns, latency_max_ns;
	__u64 callers_overflow;    /* calls whose caller found agg_callers full */
	__u32 map_type;            /* set on the CPU that created the entry */
	__u32 _pad;
	char map_name[TMI_MAP_NAME_LEN]; /* likewise: the name during the first call */
	struct tmi_agg_caller_slot callers[TMI_AGG_CALLER_SLOTS]; /* this CPU's first callers */
	__u32 hist[TMI_AGG_BUCKETS];
};

struct tmi_agg_caller_key {
	__u32 map_id;
	__u32 tgid;
};

struct tmi_agg_caller {
	__u64 calls;
	__u64 walks;               /* walks this process started */
	char comm[TMI_COMM_LEN];   /* set on the CPU of its first call: the thread's name then */
};

#endif /* TRACE_MAP_ITER_H */
