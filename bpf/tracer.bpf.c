// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracer.bpf.c: records every BPF_MAP_GET_NEXT_KEY and
 * BPF_MAP_LOOKUP[_AND_DELETE]_BATCH call on the selected maps.
 *
 * sys_enter_bpf: filter (cmd, pid, map id), stash the call in task-local
 * storage (exact enter/exit pairing, immune to CPU migration) and copy the
 * cursor key. sys_exit_bpf: copy the returned key and write one event to the
 * ring buffer without a wake-up; userspace drains on a timer, and we force a
 * wake-up only when the ring is filling up. Every event that cannot be
 * written is counted in `counters` and `lost_by_map`, so that
 * reported + lost == calls made.
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
const volatile bool exact_cursor = false; /* always copy the cursor (see TMI_F_CURSOR_IS_LAST) */

struct inflight {
	struct tmi_event ev;
	__u8 keys[2 * TMI_MAX_KEY + 64];  /* cursor key, then next key; slack for
					    * read_user_key's fixed-size copy */
	__u64 enter_ns;
	__u64 uattr;
	__u64 next_key_uptr;
	__u64 last_key_uptr; /* where the last successful get_next_key wrote */
	__u32 last_map_id;
	__u32 active;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* resized by userspace (--ringbuf-size) */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);   /* map id */
	__type(value, __u8);
} target_maps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);   /* map id */
	__type(value, __u64); /* events lost on that map */
} lost_by_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TMI_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

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

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

static __always_inline void count_lost(__u32 map_id)
{
	__u64 one = 1, *v;

	count(TMI_CNT_LOST);
	v = bpf_map_lookup_elem(&lost_by_map, &map_id);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&lost_by_map, &map_id, &one, BPF_NOEXIST);
}

/*
 * Copies a user key of `len` (<= TMI_MAX_KEY) bytes into `dst` (map memory).
 *
 * bpf_probe_read_user into map memory costs ~2x a read into the BPF stack:
 * hardened usercopy (__check_object_size) walks the slab metadata of a heap
 * destination but returns early for the stack (measured with perf here:
 * 11% of a traced walk). So keys up to TMI_STACK_KEY bytes bounce through
 * the stack and reach the map value with a fixed-size copy.
 */
#define TMI_STACK_KEY 64

static __always_inline long read_user_key(__u8 *dst, __u32 len, __u64 src)
{
	__u8 buf[2 * TMI_STACK_KEY];
	__u64 n = len;
	long err;

	if (len > TMI_MAX_KEY)
		return -1;
	if (len > TMI_STACK_KEY)
		return bpf_probe_read_user(dst, len, (void *)src);
	/* The mask is done in asm on the register passed to the helper, so
	 * the verifier sees n <= 127 < sizeof(buf) whatever clang reorders. */
	asm volatile("%[n] &= 127" : [n] "+r"(n));
	err = bpf_probe_read_user(buf, n, (void *)src);
	if (!err)
		__builtin_memcpy(dst, buf, TMI_STACK_KEY);
	return err;
}

static __always_inline __u32 bounded_key_len(__u32 key_size)
{
	return key_size > TMI_MAX_KEY ? TMI_MAX_KEY : key_size;
}

static __always_inline int on_enter(__u64 cmd, __u64 uattr)
{
	__u64 pid_tgid, cursor = 0, next_key = 0;
	__u32 tgid, fd, map_id, key_size, key_len;
	struct bpf_map *map;
	struct inflight *st;
	__u16 flags = 0;

	if (cmd != TMI_CMD_GET_NEXT_KEY && cmd != TMI_CMD_LOOKUP_BATCH &&
	    cmd != TMI_CMD_LOOKUP_AND_DELETE_BATCH)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	tgid = pid_tgid >> 32;
	if (tgid == self_tgid || (targ_tgid && tgid != targ_tgid))
		return 0;

	if (cmd == TMI_CMD_GET_NEXT_KEY) {
		struct gnk_attr a;

		if (bpf_probe_read_user(&a, sizeof(a), (void *)uattr))
			return 0;
		fd = a.map_fd;
		cursor = a.key;
		next_key = a.next_key;
	} else {
		struct batch_attr b;

		if (bpf_probe_read_user(&b, sizeof(b), (void *)uattr))
			return 0;
		fd = b.map_fd;
		cursor = b.in_batch;
	}

	map = tmi_fd_to_map(fd);
	if (!map)
		return 0;
	map_id = map->id;
	if (!all_maps && !bpf_map_lookup_elem(&target_maps, &map_id))
		return 0;

	st = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		count(TMI_CNT_NO_SLOT);
		count_lost(map_id);
		return 0;
	}

	key_size = map->key_size;
	key_len = bounded_key_len(key_size);
	if (key_size > TMI_MAX_KEY)
		flags |= TMI_F_KEY_TRUNCATED;
	if (!cursor)
		flags |= TMI_F_CURSOR_NULL;

	/* comm is copied when the thread's slot is new and at every walk
	 * start, not per call: a thread renamed mid-walk keeps its old name
	 * until its next walk. */
	if (!st->ev.tid || !cursor) {
		st->ev.pid = tgid;
		st->ev.tid = (__u32)pid_tgid;
		bpf_get_current_comm(st->ev.comm, sizeof(st->ev.comm));
	}
	st->ev.map_id = map_id;
	st->ev.map_type = map->map_type;
	st->ev.key_size = key_size;
	st->ev.key_len = key_len;
	st->ev.cmd = cmd;
	st->ev.n_keys = 0;
	st->ev.batch_count = 0;
	st->uattr = uattr;
	st->next_key_uptr = next_key;

	/* The cursor must be copied now: callers such as bpftool pass the
	 * same buffer as key and next_key, so it is overwritten by exit.
	 * Each copy costs ~0.1 us, so the common continuation (the buffer the
	 * previous call returned into) is flagged instead of re-read. */
	if (cmd == TMI_CMD_GET_NEXT_KEY && cursor && !exact_cursor &&
	    cursor == st->last_key_uptr && map_id == st->last_map_id) {
		flags |= TMI_F_CURSOR_IS_LAST;
	} else if (cmd == TMI_CMD_GET_NEXT_KEY && cursor) {
		if (read_user_key(st->keys, key_len, cursor) == 0)
			st->ev.n_keys = 1;
		else
			flags |= TMI_F_CURSOR_NULL; /* unreadable cursor: kernel will fail with EFAULT */
	}
	st->ev.flags = flags;
	st->active = 1;
	st->enter_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u64 now = bpf_ktime_get_ns(), flags = BPF_RB_NO_WAKEUP;
	struct inflight *st;
	__u32 key_len, off, size, n_keys;

	st = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);
	if (!st || !st->active)
		return 0;
	st->active = 0;
	if (ret != 0 && ret != -ENOENT) {
		count(TMI_CNT_FAILED);
		return 0;
	}

	st->ev.ts_ns = now;
	st->ev.latency_ns = now - st->enter_ns;
	st->ev.ret = ret;
	st->ev.cpu = bpf_get_smp_processor_id();
	key_len = st->ev.key_len;
	if (key_len > TMI_MAX_KEY)
		return 0; /* cannot happen: set by tmi_enter; keeps the verifier's bounds */

	if (st->ev.cmd == TMI_CMD_GET_NEXT_KEY) {
		if (ret == 0) {
			off = st->ev.n_keys ? key_len : 0;
			if (off > TMI_MAX_KEY)
				return 0;
			if (read_user_key(st->keys + off, key_len, st->next_key_uptr) == 0) {
				st->ev.n_keys += 1;
				st->last_key_uptr = st->next_key_uptr;
				st->last_map_id = st->ev.map_id;
			} else {
				st->last_key_uptr = 0;
			}
		} else {
			st->last_key_uptr = 0;
		}
	} else {
		__u32 cnt = 0;

		bpf_probe_read_user(&cnt, sizeof(cnt),
				    (void *)(st->uattr + offsetof(struct batch_attr, count)));
		st->ev.batch_count = cnt;
	}

	n_keys = st->ev.n_keys;
	if (n_keys > 2)
		n_keys = 2; /* never true; bounds the size for the verifier */
	size = sizeof(struct tmi_event) + n_keys * key_len;

	if (wakeup_bytes && bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	count(TMI_CNT_CALLS);
	if (bpf_ringbuf_output(&events, st, size, flags))
		count_lost(st->ev.map_id);
	return 0;
}

/*
 * Two probe pairs; userspace loads one (--probe). The syscall tracepoints
 * fire for bpf() only; the raw ones fire for every syscall of the machine
 * but cost less per bpf() call (no perf buffer per event).
 */
SEC("tracepoint/syscalls/sys_enter_bpf")
int tmi_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int tmi_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("raw_tp/sys_enter")
int tmi_raw_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs;

	if (ctx->args[1] != TMI_NR_BPF)
		return 0;
	regs = tmi_syscall_regs(ctx->args[0]);
	return on_enter(PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs));
}

SEC("raw_tp/sys_exit")
int tmi_raw_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = tmi_syscall_regs(ctx->args[0]);

	/* sys_exit does not pass the syscall number: it is in orig_ax. */
	if (TMI_SYSCALL_NR(regs) != TMI_NR_BPF)
		return 0;
	return on_exit(ctx->args[1]);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
