// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracer.bpf.c: records every BPF_MAP_GET_NEXT_KEY and
 * BPF_MAP_LOOKUP[_AND_DELETE]_BATCH call on the selected maps.
 *
 * One shared handler, four hooks (one file each in bpf/hooks/; userspace autoloads
 * exactly one hook's programs, chosen before load). A hook only says what
 * the call is: the map, the cursor, where the next key goes, the user attr
 * (batch count), and at return the return value. The handler does the rest:
 * on_enter filters (pid, map id, the tracers' own calls), stashes the call
 * in per-thread state (task storage, or a hash map keyed by tid on kernels
 * without task storage for tracing programs) and copies the cursor key;
 * on_exit copies the returned key and writes one event to the ring buffer
 * without a wake-up (userspace drains on a timer; a wake-up is forced only
 * when the ring fills up). Every event that cannot be written is counted in
 * `counters` and `lost_by_map`, every failed call in `failed_by_errno`, so
 * reported + lost + failed == calls made.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "core_fixes.bpf.h"
#include "trace_map_iter.h"

#define ENOENT 2

const volatile __u32 self_tgid = 0;     /* the tracer's own pid: never traced */
const volatile __u32 targ_tgid = 0;     /* -p PID; 0 = every process */
const volatile bool all_maps = true;    /* false: only ids in target_maps */
const volatile __u64 wakeup_bytes = 0;  /* force a wake-up above this fill level */
/* The fill level is read every (mask + 1)-th event per CPU, not per event
 * (a helper call, ~26 ns); userspace sizes it to the ring
 * (wakeup_check_mask() in user/trace/tracer.cpp). */
const volatile __u32 wakeup_check_mask = 0;
const volatile bool exact_cursor = false; /* always copy the cursor (see TMI_F_CURSOR_IS_LAST) */
/* Per-thread state in task storage (5.12+) or in inflight_tid; chosen by
 * userspace before load, the other map is not created. */
const volatile bool use_task_storage = true;
/* Aggregate mode (bpf/agg.bpf.h): no event per call. */
const volatile bool aggregate = false;

struct inflight {
	struct tmi_event ev;
	__u8 keys[2 * TMI_MAX_KEY + 64];  /* cursor key, then next key; slack for
					    * read_user_key's fixed-size copy */
	__u64 enter_ns;
	__u64 uattr;        /* user attr: batch count is read from it at exit */
	__u64 next_key_ptr; /* where get_next_key writes its key */
	__u64 last_key_ptr; /* where the last successful get_next_key wrote */
	__u32 last_map_id;
	__u32 selected_map_id; /* the last map id found in target_maps (task storage) */
	__u8 active;
	__u8 kernel_keys;   /* cursor/next_key are kernel pointers (op hooks) */
	__u8 tracer;        /* TMI_TRACER_*: this thread's is_tracer(), once */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight_task SEC(".maps");

/* Before 5.12: one slot per thread in a call, created at entry and deleted
 * at return (so nothing outlives a thread, and nothing is carried between
 * calls: every cursor is copied, as with exact_cursor). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);   /* tid */
	__type(value, struct inflight);
} inflight_tid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* resized by userspace (--ringbuf-size) */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized to the selection by userspace */
	__type(key, __u32);   /* map id */
	__type(value, __u8);
} target_maps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096); /* at least the selection, set by userspace */
	__type(key, __u32);   /* map id */
	__type(value, __u64); /* events lost on that map */
} lost_by_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tmi_failed_key);
	__type(value, __u64); /* calls that failed with that errno */
} failed_by_errno SEC(".maps");

/* Running tracers (pinned under /sys/fs/bpf/trace-map-iter/ and shared by
 * every instance): their bpf() calls are never traced. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);   /* tgid */
	__type(value, struct tmi_tracer_entry);
} tracers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TMI_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* A zeroed slot to create inflight_tid entries from (too big for the stack). */
static const struct inflight zero_slot;

/* get_next_key's attr: map_fd, key, next_key (uapi union bpf_attr). */
struct gnk_attr {
	__u32 map_fd;
	__u32 pad;
	__u64 key;
	__u64 next_key;
};

/* LOOKUP_BATCH's attr: the `batch` member of union bpf_attr. */
struct batch_attr {
	__u64 in_batch;
	__u64 out_batch;
	__u64 keys;
	__u64 values;
	__u32 count;
	__u32 map_fd;
};

/* What a hook tells the handler about a call at its entry. */
struct tmi_call {
	struct bpf_map *map; /* kernel pointer, read with CO-RE */
	__u64 cursor;        /* get_next_key key / batch in_batch; 0 = start */
	__u64 next_key;      /* get_next_key: where the next key is written */
	__u64 uattr;         /* user attr (batch count) */
	__u16 cmd;
	bool kernel_keys;    /* cursor and next_key point into the kernel */
	bool nested_ok;      /* an op hook: a call inside an in-flight one (an
			      * array batch's own get_next_key calls) is skipped */
};

/* Adds one to this CPU's counter idx; returns the new count. */
static __always_inline __u64 count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (!v)
		return 0;
	*v += 1;
	return *v;
}

/* One lost event, in the total and on its map. A full lost_by_map is
 * counted too (TMI_CNT_LOST_NO_ROOM), never dropped; when another CPU
 * created the map's entry first, the add goes to that entry. */
static __always_inline void count_lost(__u32 map_id)
{
	__u64 one = 1, *v;

	count(TMI_CNT_LOST);
	v = bpf_map_lookup_elem(&lost_by_map, &map_id);
	if (!v && bpf_map_update_elem(&lost_by_map, &map_id, &one, BPF_NOEXIST) == 0)
		return;
	if (!v)
		v = bpf_map_lookup_elem(&lost_by_map, &map_id);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		count(TMI_CNT_LOST_NO_ROOM);
}

static __always_inline void count_failed(__u32 map_id, long ret)
{
	struct tmi_failed_key k = { .map_id = map_id, .err = (__u32)-ret };
	__u64 one = 1, *v;

	count(TMI_CNT_FAILED);
	v = bpf_map_lookup_elem(&failed_by_errno, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&failed_by_errno, &k, &one, BPF_NOEXIST);
}

/* True for a tracer's own calls: this one's, or a registered instance's
 * whose process start time matches (a reused pid is traced). */
static __always_inline bool is_tracer(__u32 tgid)
{
	struct tmi_tracer_entry *e;

	if (tgid == self_tgid)
		return true;
	e = bpf_map_lookup_elem(&tracers, &tgid);
	if (!e || !e->ns_per_tick)
		return false;
	return tmi_current_start_boottime() / e->ns_per_tick == e->start_ticks;
}

/*
 * is_tracer() once per thread, kept in the thread's task storage: a hash
 * lookup less per call (~65 ns of ~650 in the enter program, bpf_stats on
 * 6.18). Exact for trace-map-iter's processes, which are registered from
 * before their first traced call (Tracer::start registers before anything
 * else) until they exit (one Tracer per process): a thread's tgid never
 * changes and its storage dies with it (a reused pid starts unknown).
 * Task storage only: the tid map's slots live for one call.
 */
enum { TMI_TRACER_UNKNOWN, TMI_TRACER_NO, TMI_TRACER_YES };

static __always_inline bool thread_is_tracer(__u8 *verdict, __u32 tgid)
{
	if (*verdict == TMI_TRACER_UNKNOWN)
		*verdict = is_tracer(tgid) ? TMI_TRACER_YES : TMI_TRACER_NO;
	return *verdict == TMI_TRACER_YES;
}

/* The filters of a call whose thread has state in task storage: the
 * tracer verdict and the last selected map id are kept there (a selection
 * and a map's id never change), so a thread walking one selected map does
 * neither lookup per call. */
static __always_inline bool skip_call_kept(__u8 *tracer, __u32 *selected, __u32 tgid,
					   __u32 map_id)
{
	if (thread_is_tracer(tracer, tgid))
		return true;
	if (!all_maps && map_id != *selected) {
		if (!bpf_map_lookup_elem(&target_maps, &map_id))
			return true;
		*selected = map_id;
	}
	return false;
}

/* The same filters with no state to keep anything in. */
static __always_inline bool skip_call(__u32 tgid, __u32 map_id)
{
	return (!all_maps && !bpf_map_lookup_elem(&target_maps, &map_id)) || is_tracer(tgid);
}

static __always_inline struct inflight *slot_get(__u32 tid, bool create)
{
	struct inflight *st;

	/* Task storage takes a BTF task pointer (bpf_get_current_task_btf,
	 * 5.11: older than task storage for tracing programs, so always there
	 * when this branch is live; dead code to the verifier otherwise). */
	if (use_task_storage)
		return bpf_task_storage_get(&inflight_task, bpf_get_current_task_btf(), 0,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	st = bpf_map_lookup_elem(&inflight_tid, &tid);
	if (st || !create)
		return st;
	bpf_map_update_elem(&inflight_tid, &tid, &zero_slot, BPF_NOEXIST);
	return bpf_map_lookup_elem(&inflight_tid, &tid);
}

static __always_inline void slot_done(__u32 tid)
{
	if (!use_task_storage)
		bpf_map_delete_elem(&inflight_tid, &tid);
}

/*
 * Copies a key of `len` (<= TMI_MAX_KEY) bytes into `dst` (map memory).
 *
 * User keys: bpf_probe_read_user into map memory costs ~2x a read into the
 * BPF stack: hardened usercopy (__check_object_size) walks the slab metadata
 * of a heap destination but returns early for the stack (measured with perf:
 * 11% of a traced walk). So keys up to TMI_STACK_KEY bytes bounce through
 * the stack and reach the map value with a fixed-size copy. Kernel keys (op
 * hooks) are read straight into place.
 */
#define TMI_STACK_KEY 64

static __always_inline long read_key(__u8 *dst, __u32 len, __u64 src, bool kernel)
{
	__u64 buf[2 * TMI_STACK_KEY / 8];
	__u64 n = len;
	long err;

	if (len > TMI_MAX_KEY)
		return -1;
	if (kernel)
		return bpf_probe_read_kernel(dst, len, (void *)src);
	if (len > TMI_STACK_KEY)
		return bpf_probe_read_user(dst, len, (void *)src);
	/* The mask is done in asm on the register passed to the helper, so
	 * the verifier sees n <= 127 < sizeof(buf) whatever clang reorders. */
	asm volatile("%[n] &= 127" : [n] "+r"(n));
	err = bpf_probe_read_user(buf, n, (void *)src);
	if (err)
		return err;
#if defined(__TARGET_ARCH_x86) || defined(__TARGET_ARCH_arm64)
	/* In 8-byte words: dst follows the cursor key, so clang can't know its
	 * alignment and __builtin_memcpy copies byte by byte (128 instructions
	 * per key); on these architectures the verifier accepts unaligned
	 * map-value stores (CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS). */
	for (int i = 0; i < TMI_STACK_KEY / 8; i++)
		((__u64 *)dst)[i] = buf[i];
#else
	__builtin_memcpy(dst, buf, TMI_STACK_KEY);
#endif
	return 0;
}

#include "agg.bpf.h"

static __always_inline bool traced_cmd(__u64 cmd)
{
	return cmd == TMI_CMD_GET_NEXT_KEY || cmd == TMI_CMD_LOOKUP_BATCH ||
	       cmd == TMI_CMD_LOOKUP_AND_DELETE_BATCH;
}

static __always_inline int on_enter(const struct tmi_call *c, __u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct bpf_map *map = c->map; /* a plain local: BPF_CORE_READ relocates only kernel types */
	__u32 map_id, key_size, key_len;
	struct inflight *st;
	__u16 flags = 0;
	bool same_map;

	if (targ_tgid && tgid != targ_tgid)
		return 0;
	if (!map)
		return 0;
	map_id = tmi_map_id(map);
	if (aggregate)
		return agg_enter(c, map, map_id, tgid, tid);
	if (use_task_storage) {
		/* Slots outlive calls: the filters' verdicts are kept in them. */
		st = slot_get(tid, true);
		if (st ? skip_call_kept(&st->tracer, &st->selected_map_id, tgid, map_id)
		       : skip_call(tgid, map_id))
			return 0;
	} else {
		/* The bounded tid map gets no slot for an unselected call. */
		if (skip_call(tgid, map_id))
			return 0;
		st = slot_get(tid, true);
	}
	if (!st) {
		count(TMI_CNT_NO_SLOT);
		count_lost(map_id);
		return 0;
	}
	/* An array's batch lookup runs get_next_key inside the kernel: that is
	 * one batch walk, never also get_next_key calls. */
	if (c->nested_ok && st->active && st->ev.cmd != TMI_CMD_GET_NEXT_KEY &&
	    c->cmd == TMI_CMD_GET_NEXT_KEY)
		return 0;

	/* A map's key size and type never change (nor are ids reused): read
	 * once per run of calls on one map, not per call (two probe reads). */
	same_map = st->ev.tid && st->ev.map_id == map_id;
	key_size = same_map ? st->ev.key_size : BPF_CORE_READ(map, key_size);
	key_len = key_size > TMI_MAX_KEY ? TMI_MAX_KEY : key_size;
	if (key_size > TMI_MAX_KEY)
		flags |= TMI_F_KEY_TRUNCATED;
	if (!c->cursor)
		flags |= TMI_F_CURSOR_NULL;

	/* comm and the map's name are copied when the thread's slot is new,
	 * at every walk start and when the map changes, not per call: a thread
	 * renamed mid-walk keeps its old name until its next walk. */
	if (!st->ev.tid || !c->cursor || st->ev.map_id != map_id) {
		st->ev.pid = tgid;
		st->ev.tid = tid;
		bpf_get_current_comm(st->ev.comm, sizeof(st->ev.comm));
		bpf_probe_read_kernel_str(st->ev.map_name, sizeof(st->ev.map_name),
					  &map->name);
	}
	if (!same_map)
		st->ev.map_type = BPF_CORE_READ(map, map_type);
	st->ev.map_id = map_id;
	st->ev.key_size = key_size;
	st->ev.key_len = key_len;
	st->ev.cmd = c->cmd;
	st->ev.n_keys = 0;
	st->ev.batch_count = 0;
	st->uattr = c->uattr;
	st->next_key_ptr = c->next_key;
	st->kernel_keys = c->kernel_keys;

	/* The cursor must be copied now: callers such as bpftool pass the
	 * same buffer as key and next_key, so it is overwritten by exit.
	 * Each copy costs ~0.1 us, so the common continuation (the buffer the
	 * previous call returned into) is flagged instead of re-read. Kernel
	 * buffers are fresh per call: always copied. */
	if (c->cmd == TMI_CMD_GET_NEXT_KEY && c->cursor && !exact_cursor && !c->kernel_keys &&
	    c->cursor == st->last_key_ptr && map_id == st->last_map_id) {
		flags |= TMI_F_CURSOR_IS_LAST;
	} else if (c->cmd == TMI_CMD_GET_NEXT_KEY && c->cursor) {
		if (read_key(st->keys, key_len, c->cursor, c->kernel_keys) == 0)
			st->ev.n_keys = 1;
		else
			flags |= TMI_F_CURSOR_NULL; /* unreadable cursor: kernel will fail with EFAULT */
	}
	st->ev.flags = flags;
	st->active = 1;
	st->enter_ns = bpf_ktime_get_ns();
	return 0;
}

/* The event path's return: one ring-buffer record per call. */
static __always_inline int ev_exit(__u16 cmd, long ret)
{
	__u64 now = bpf_ktime_get_ns(), flags = BPF_RB_NO_WAKEUP;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, key_len, off, size;
	struct inflight *st;

	st = slot_get(tid, false);
	if (!st || !st->active || (cmd && st->ev.cmd != cmd))
		return 0;
	st->active = 0;
	if (ret != 0 && ret != -ENOENT) {
		count_failed(st->ev.map_id, ret);
		st->last_key_ptr = 0;
		slot_done(tid);
		return 0;
	}

	st->ev.ts_ns = now;
	st->ev.latency_ns = now - st->enter_ns;
	st->ev.ret = ret;
	st->ev.cpu = bpf_get_smp_processor_id();
	key_len = st->ev.key_len;
	if (key_len > TMI_MAX_KEY)
		return 0; /* cannot happen: set by on_enter; keeps the verifier's bounds */

	if (st->ev.cmd == TMI_CMD_GET_NEXT_KEY) {
		st->last_key_ptr = 0;
		if (ret == 0) {
			off = st->ev.n_keys ? key_len : 0;
			if (off > TMI_MAX_KEY)
				return 0;
			if (read_key(st->keys + off, key_len, st->next_key_ptr, st->kernel_keys) == 0) {
				st->ev.n_keys += 1;
				st->last_key_ptr = st->next_key_ptr;
				st->last_map_id = st->ev.map_id;
			}
		}
	} else {
		__u32 cnt = 0;

		bpf_probe_read_user(&cnt, sizeof(cnt),
				    (void *)(st->uattr + offsetof(struct batch_attr, count)));
		st->ev.batch_count = cnt;
	}

	/* Conditional additions, not n_keys * key_len: 6.1's verifier loses
	 * the bounds of a register * register multiply. */
	size = sizeof(struct tmi_event);
	if (st->ev.n_keys >= 1)
		size += key_len;
	if (st->ev.n_keys >= 2)
		size += key_len;

	if ((count(TMI_CNT_CALLS) & wakeup_check_mask) == 0 && wakeup_bytes &&
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, st, size, flags))
		count_lost(st->ev.map_id);
	slot_done(tid);
	return 0;
}

/* cmd: what returned (the op hooks tell a batch's nested get_next_key
 * return from the batch's own); 0 = whatever is in flight (syscall hooks). */
static __always_inline int on_exit(__u16 cmd, long ret)
{
	if (aggregate)
		return agg_exit(cmd, ret);
	return ev_exit(cmd, ret);
}

/* The op hooks (fentry.bpf.h, kprobe.bpf.h: 44 programs) share one copy of
 * the handler through these BPF-to-BPF calls (a JITed direct call, a few
 * ns); inlined into every program, clang compiled the handler 44 times
 * (tracer.bpf.o: 6.1 -> 1.4 CPU-s). The syscall hooks, four programs on
 * the path the cost bench measures, keep it inlined. Static, not global:
 * the verifier checks each call with its caller's argument types. */
static __noinline int op_enter(const struct tmi_call *c)
{
	return on_enter(c, bpf_get_current_pid_tgid());
}

static __noinline int op_exit(__u16 cmd, long ret)
{
	return on_exit(cmd, ret);
}

#include "hooks/syscall_tp.bpf.h"
#include "hooks/raw_tp.bpf.h"
#include "hooks/fentry.bpf.h"
#include "hooks/kprobe.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
