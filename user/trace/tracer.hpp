// tracer.hpp: loading, attaching and draining the tracer BPF object.
//
// Lifecycle (libbpf-bootstrap's): open -> set rodata -> load -> fill the
// map-id filter -> attach -> ring buffer. Events are submitted without
// wake-ups, so poll() both waits on epoll (woken only when the ring passes
// a fill threshold) and consumes on every call: callers call it on a timer.
// Contract: Tracer owns the skeleton, the links and the ring buffer and
// frees them on destruction; start() throws tmi::Error with the step that
// failed. The handler gets each raw record; it must not throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace tmi {

// Which probe pair feeds the tracer (README "Probes" has the measured trade).
enum class ProbeKind { Tracepoint, RawTracepoint };

struct TraceConfig {
	ProbeKind probe = ProbeKind::Tracepoint;
	std::vector<uint32_t> map_ids; // empty = every map
	uint32_t pid = 0;              // 0 = every process
	uint64_t ringbuf_bytes = 16u << 20;
	bool verbose = false;          // libbpf debug output
	bool exact_cursor = false;     // copy every cursor (TMI_F_CURSOR_IS_LAST off)
};

struct KernelCounters {
	uint64_t calls = 0;   // matched calls that completed (ENOENT or success)
	uint64_t lost = 0;    // events not delivered (ring full, or no slot)
	uint64_t no_slot = 0; // of which: enter state could not be stored
	uint64_t failed = 0;  // calls that failed with another error (not reported)
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

private:
	struct Impl;
	explicit Tracer(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

// Validates a --ringbuf-size: a power of two, at least one page.
bool valid_ringbuf_size(uint64_t bytes);

} // namespace tmi
