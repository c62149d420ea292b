// tracer.cpp: see tracer.hpp.
#include "trace/tracer.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>

#include "base/error.hpp"
#include "base/host.hpp"

extern "C" {
#include "trace_map_iter.h"
#include "tracer.skel.h"
}

namespace tmi {

namespace {

struct SkelDeleter {
	void operator()(tracer_bpf *s) const { tracer_bpf__destroy(s); }
};
struct RingDeleter {
	void operator()(ring_buffer *rb) const { ring_buffer__free(rb); }
};

bool g_verbose = false;

int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !g_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

} // namespace

struct Tracer::Impl {
	std::unique_ptr<tracer_bpf, SkelDeleter> skel;
	std::unique_ptr<ring_buffer, RingDeleter> ring;
	Handler handler;
	bool attached = false;

	static int on_record(void *ctx, void *data, size_t len)
	{
		// Never return < 0 here: that aborts ring_buffer__poll mid-drain.
		static_cast<Impl *>(ctx)->handler(data, len);
		return 0;
	}
};

bool valid_ringbuf_size(uint64_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	return bytes >= uint64_t(page) && (bytes & (bytes - 1)) == 0 && bytes <= (1ULL << 31);
}

Tracer::Tracer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tracer::~Tracer() = default;

std::unique_ptr<Tracer> Tracer::start(const TraceConfig &cfg, Handler handler)
{
	g_verbose = cfg.verbose;
	libbpf_set_print(libbpf_print);
	ensure_tracefs();
	if (cfg.probe == ProbeKind::Tracepoint &&
	    (!tracepoint_exists("syscalls", "sys_enter_bpf") ||
	     !tracepoint_exists("syscalls", "sys_exit_bpf")))
		throw Error("can't trace: tracepoints syscalls:sys_{enter,exit}_bpf are missing "
			    "(kernel built without CONFIG_FTRACE_SYSCALLS)");
	if (!valid_ringbuf_size(cfg.ringbuf_bytes))
		throw Error(fmt::format("invalid ring buffer size {}: must be a power of two "
					"between the page size and 2 GiB", cfg.ringbuf_bytes));

	auto impl = std::make_unique<Impl>();
	impl->handler = std::move(handler);
	impl->skel.reset(tracer_bpf__open());
	if (!impl->skel)
		throw sys_error("can't open BPF object tracer", errno);
	auto *skel = impl->skel.get();
	skel->rodata->self_tgid = getpid();
	skel->rodata->targ_tgid = cfg.pid;
	skel->rodata->all_maps = cfg.map_ids.empty();
	skel->rodata->wakeup_bytes = cfg.ringbuf_bytes / 2;
	skel->rodata->exact_cursor = cfg.exact_cursor;
	bool raw = cfg.probe == ProbeKind::RawTracepoint;
	bpf_program__set_autoload(skel->progs.tmi_enter, !raw);
	bpf_program__set_autoload(skel->progs.tmi_exit, !raw);
	bpf_program__set_autoload(skel->progs.tmi_raw_enter, raw);
	bpf_program__set_autoload(skel->progs.tmi_raw_exit, raw);
	if (int err = bpf_map__set_max_entries(skel->maps.events, cfg.ringbuf_bytes))
		throw sys_error("can't size the ring buffer", err);
	if (int err = tracer_bpf__load(skel))
		throw sys_error("can't load BPF object tracer (run as root; -v shows the verifier log)",
				err);

	uint8_t one = 1;
	for (uint32_t id : cfg.map_ids)
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.target_maps), &id, &one, BPF_ANY))
			throw sys_error(fmt::format("can't add map id {} to the filter", id), errno);

	impl->ring.reset(ring_buffer__new(bpf_map__fd(skel->maps.events), Impl::on_record,
					  impl.get(), nullptr));
	if (!impl->ring)
		throw sys_error("can't create ring buffer reader", errno);
	if (int err = tracer_bpf__attach(skel))
		throw sys_error(raw ? "can't attach to raw tracepoints sys_enter/sys_exit"
				    : "can't attach to syscalls:sys_{enter,exit}_bpf", err);
	impl->attached = true;
	return std::unique_ptr<Tracer>(new Tracer(std::move(impl)));
}

int Tracer::poll(int timeout_ms)
{
	int n = ring_buffer__poll(impl_->ring.get(), timeout_ms);
	if (n < 0 && n != -EINTR)
		throw sys_error("can't poll ring buffer", n);
	int m = ring_buffer__consume(impl_->ring.get());
	if (m < 0 && m != -EINTR)
		throw sys_error("can't consume ring buffer", m);
	return std::max(n, 0) + std::max(m, 0);
}

void Tracer::stop()
{
	if (impl_->attached) {
		tracer_bpf__detach(impl_->skel.get());
		impl_->attached = false;
	}
	while (poll(0) > 0) {
	}
}

KernelCounters Tracer::counters() const
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu < 0)
		throw sys_error("can't count possible CPUs", ncpu);
	std::vector<uint64_t> vals(ncpu);
	auto read = [&](uint32_t idx) {
		if (bpf_map_lookup_elem(bpf_map__fd(impl_->skel->maps.counters), &idx, vals.data()))
			throw sys_error("can't read tracer counters", errno);
		uint64_t sum = 0;
		for (auto v : vals)
			sum += v;
		return sum;
	};
	KernelCounters c;
	c.calls = read(TMI_CNT_CALLS);
	c.lost = read(TMI_CNT_LOST);
	c.no_slot = read(TMI_CNT_NO_SLOT);
	c.failed = read(TMI_CNT_FAILED);
	return c;
}

std::map<uint32_t, uint64_t> Tracer::lost_by_map() const
{
	std::map<uint32_t, uint64_t> out;
	int fd = bpf_map__fd(impl_->skel->maps.lost_by_map);
	uint32_t key, *prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		uint64_t v = 0;
		if (bpf_map_lookup_elem(fd, &key, &v) == 0)
			out[key] = v;
		prev = &key;
	}
	if (errno != ENOENT)
		throw sys_error("can't read lost-event counters", errno);
	return out;
}

} // namespace tmi
