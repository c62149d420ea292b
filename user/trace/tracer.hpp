// tracer.hpp: choosing a hook, loading, attaching and draining the tracer
// BPF object.
//
// Hooks (README "Hooks"): fentry/fexit or kprobe/kretprobe on the map
// types' own operations, or the bpf() syscall tracepoints (tracepoint,
// raw_tp). HookKind::Auto takes the first that loads and attaches, in that
// order; the op hooks only when every selected map is of a type they cover
// (hash and array families) and maps were selected. The choice is made
// before anything is attached: no event comes from a discarded attempt.
// Lifecycle (libbpf-bootstrap's): open -> set rodata and map sizes -> load
// -> fill the map-id filter -> attach -> ring buffer. Events are submitted
// without wake-ups, so poll() both waits on epoll (woken only when the ring
// passes a fill threshold) and consumes on every call: callers call it on
// a timer.
// Every running tracer registers its tgid in a registry map pinned at
// kTracerRegistry (shared by all instances, created on first use): no
// instance traces any instance's own bpf() calls.
// Contract: Tracer owns the skeleton, the links and the ring buffer and
// frees them on destruction; start() throws tmi::Error with one line, e.g.
// "can't load the tracer: kernel 6.1.0-57-amd64 lacks ..." (libbpf's own
// output only with TraceConfig::verbose). The handler gets each raw record;
// it must not throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tmi {

// Which hook feeds the tracer (README "Hooks" has the trade-offs).
enum class HookKind { Auto, Fentry, Kprobe, Tracepoint, RawTracepoint };

// "auto", "fentry", "kprobe", "tracepoint", "raw_tp".
std::string_view hook_kind_name(HookKind h);
std::optional<HookKind> parse_hook_kind(std::string_view s);

inline constexpr const char *kTracerRegistry = "/sys/fs/bpf/trace-map-iter/tracers";

struct TraceConfig {
	HookKind hook = HookKind::Auto;
	std::vector<uint32_t> map_ids; // empty = every map (any number: the filter is sized to it)
	uint32_t pid = 0;              // 0 = every process
	uint64_t ringbuf_bytes = 16u << 20;
	bool verbose = false;          // libbpf debug output and verifier logs
	bool exact_cursor = false;     // copy every cursor (TMI_F_CURSOR_IS_LAST off)
	// What kernels before 5.12 get, even where more works: per-thread
	// state in the tid-keyed hash map instead of task storage, and kernel
	// structs read with probe reads instead of bpf_rdonly_cast (6.2+).
	// For tests.
	bool pre_5_12_paths = false;
	// Entries of the kernel's per-map loss table; 0 = at least 4096 and the
	// selection. For tests.
	uint32_t lost_table_entries = 0;
	// Aggregate mode (bpf/agg.bpf.h): no event per call; read aggregates()
	// instead. The ring buffer is not used (poll() only waits).
	bool aggregate = false;
	// Aggregate mode only (no event reaches userspace to filter): several
	// pids and a comm, filtered in the kernel. Empty = no filter.
	std::vector<uint32_t> agg_pids;
	std::string agg_comm;
	// Aggregate mode: maps the kernel's table holds (0: 1024 or the
	// selection's size, whichever is more); smaller for tests.
	uint32_t agg_max_maps = 0;
};

// One map's cumulative aggregates since the tracer started (aggregate
// mode; field meanings: trace_map_iter.h struct tmi_agg_map).
struct AggCaller {
	std::string comm; // the thread's name at the caller's first call
	uint64_t calls = 0, walks = 0;
};
struct AggMap {
	uint32_t map_id = 0, map_type = 0;
	std::string map_name; // as the kernel had it at the map's first call
	uint64_t get_next_key_calls = 0, lookup_batch_calls = 0, lookup_and_delete_batch_calls = 0;
	uint64_t walks_started = 0, walks_complete = 0, walks_abandoned = 0;
	uint64_t batch_walks_started = 0, batch_walks_complete = 0, batch_walks_abandoned = 0;
	uint64_t walks_other_start = 0;
	uint64_t latency_sum_ns = 0, latency_max_ns = 0;
	uint64_t callers_overflow = 0;
	std::vector<uint64_t> hist; // per log-linear bucket (LatencyHist's), summed over CPUs
	std::map<uint32_t, AggCaller> callers; // by tgid

	uint64_t calls() const
	{
		return get_next_key_calls + lookup_batch_calls + lookup_and_delete_batch_calls;
	}
};

struct KernelCounters {
	uint64_t calls = 0;   // matched calls that completed (ENOENT or success)
	uint64_t lost = 0;    // events not delivered (ring full, or no slot)
	uint64_t no_slot = 0; // of which: enter state could not be stored
	uint64_t failed = 0;  // calls that failed with another error (not reported as events)
	uint64_t lost_no_room = 0; // of lost: on maps the per-map loss table had no room for
};

class Tracer {
public:
	using Handler = std::function<void(const void *data, size_t len)>;

	static std::unique_ptr<Tracer> start(const TraceConfig &cfg, Handler handler);
	~Tracer();
	Tracer(const Tracer &) = delete;
	Tracer &operator=(const Tracer &) = delete;

	// Waits up to timeout_ms for a wake-up, then drains the ring.
	// Returns the number of records handled; throws on a ring-buffer error.
	int poll(int timeout_ms);
	// Detaches the programs (no new events) and drains what is left.
	void stop();
	KernelCounters counters() const;
	// Events lost per map id, as counted in the kernel.
	std::map<uint32_t, uint64_t> lost_by_map() const;
	// Calls that failed (other than ENOENT), per map id and positive errno.
	std::map<uint32_t, std::map<int, uint64_t>> failed_by_errno() const;
	// Aggregate mode: every map's totals since start, by map id. Must be
	// called at least every few minutes under heavy load: the kernel's
	// per-CPU bucket counts are 32-bit and widened here by differences.
	std::map<uint32_t, AggMap> aggregates();
	// Aggregate mode: how many maps the kernel's table holds, and its size.
	size_t aggregate_capacity() const;
	// Deletes maps' totals and callers from the kernel's tables (maps that
	// are gone: an id is never reused, so nothing more comes): one pass.
	void forget_aggregates(const std::set<uint32_t> &map_ids);
	// Deletes gone maps' lost-event counters (lost_by_map) from the kernel.
	void forget_lost(const std::set<uint32_t> &map_ids);
	bool aggregate() const;
	// The hook in use: "fentry", "kprobe", "tracepoint" or "raw_tp".
	std::string_view hook_name() const;
	HookKind hook() const;

private:
	struct Impl;
	explicit Tracer(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

// Validates a --ringbuf-size: a power of two, at least one page.
bool valid_ringbuf_size(uint64_t bytes);

// How often the kernel checks the ring's fill level for a forced wake-up
// (bpf/tracer.bpf.c ev_exit): every (mask + 1)-th event on each CPU, the
// largest power of two up to 64 such that the largest records that many
// events on each of `ncpu` CPUs fill at most a quarter of a ring of
// `ring_bytes` between checks; 0 (every event) for a small ring.
uint32_t wakeup_check_mask(uint64_t ring_bytes, uint32_t ncpu);

} // namespace tmi
