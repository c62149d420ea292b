// tracer.cpp: see tracer.hpp.
#include "trace/tracer.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <cerrno>
#include <cstdarg>
#include <fstream>
#include <set>
#include <sstream>

#include "base/error.hpp"
#include "base/fd.hpp"
#include "base/host.hpp"
#include "trace/aggregates.hpp"

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
struct BtfDeleter {
	void operator()(btf *b) const { btf__free(b); }
};
using SkelPtr = std::unique_ptr<tracer_bpf, SkelDeleter>;

bool g_verbose = false;

// libbpf speaks only with -v: a failed attempt of one hook is not an error
// when another loads, and a failure is reported in one line of our own.
int libbpf_print(enum libbpf_print_level, const char *fmt, va_list args)
{
	return g_verbose ? vfprintf(stderr, fmt, args) : 0;
}

// The map operations hooks fentry and kprobe attach to (bpf/hooks/fentry.bpf.h).
constexpr const char *kOpFunctions[] = {
	"htab_map_get_next_key",
	"array_map_get_next_key",
	"htab_map_lookup_batch",
	"htab_lru_map_lookup_batch",
	"htab_percpu_map_lookup_batch",
	"htab_lru_percpu_map_lookup_batch",
	"generic_map_lookup_batch",
	"htab_map_lookup_and_delete_batch",
	"htab_lru_map_lookup_and_delete_batch",
	"htab_percpu_map_lookup_and_delete_batch",
	"htab_lru_percpu_map_lookup_and_delete_batch",
};

// Map types whose get_next_key and batch ops are among kOpFunctions.
bool op_hooks_cover(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_CGROUP_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		return true;
	default:
		return false;
	}
}

bool is_op_hook(HookKind h) { return h == HookKind::Fentry || h == HookKind::Kprobe; }

std::string kernel_release()
{
	struct utsname u;
	return uname(&u) == 0 ? u.release : "(unknown)";
}

bool path_exists(const std::string &p)
{
	struct stat st;
	return stat(p.c_str(), &st) == 0;
}

// Why `h` can't be used here before trying it; empty when it may work.
std::string precheck(HookKind h)
{
	switch (h) {
	case HookKind::Fentry: {
		std::unique_ptr<btf, BtfDeleter> vmlinux(btf__load_vmlinux_btf());
		if (!vmlinux)
			return "fentry (no vmlinux BTF)";
		for (const char *fn : kOpFunctions)
			if (btf__find_by_name_kind(vmlinux.get(), fn, BTF_KIND_FUNC) < 0)
				return fmt::format("fentry (no function {} in its BTF)", fn);
		return "";
	}
	case HookKind::Kprobe: {
		if (!path_exists("/sys/bus/event_source/devices/kprobe") &&
		    !path_exists("/sys/kernel/tracing/kprobe_events"))
			return "kprobe (no kprobes: CONFIG_KPROBES)";
		std::ifstream in("/sys/kernel/tracing/available_filter_functions");
		if (!in)
			return ""; // can't tell: attaching will
		std::set<std::string> want(std::begin(kOpFunctions), std::end(kOpFunctions));
		std::string line;
		while (std::getline(in, line) && !want.empty())
			want.erase(line.substr(0, line.find(' ')));
		if (!want.empty())
			return fmt::format("kprobe (function {} can't be probed)", *want.begin());
		return "";
	}
	case HookKind::Tracepoint:
		if (!tracepoint_exists("syscalls", "sys_enter_bpf") ||
		    !tracepoint_exists("syscalls", "sys_exit_bpf"))
			return "tracepoint (no syscalls:sys_{enter,exit}_bpf: CONFIG_FTRACE_SYSCALLS)";
		return "";
	default:
		return "";
	}
}

// Which hook a program belongs to, from its section name.
HookKind hook_of(const bpf_program *p)
{
	std::string_view sec = bpf_program__section_name(p);
	if (sec.starts_with("fentry/") || sec.starts_with("fexit/"))
		return HookKind::Fentry;
	if (sec.starts_with("kprobe/") || sec.starts_with("kretprobe/"))
		return HookKind::Kprobe;
	if (sec.starts_with("raw_tp/"))
		return HookKind::RawTracepoint;
	return HookKind::Tracepoint;
}

// Task storage for tracing programs: 5.12 ("bpf: Enable task local storage
// for tracing programs"). The fentry hook's
// program type (tracing) can't be probed without a target; the helper came
// to every tracing type at once, so kprobe stands in for it.
bool task_storage_usable(HookKind h)
{
	bpf_prog_type t = h == HookKind::Tracepoint      ? BPF_PROG_TYPE_TRACEPOINT
			  : h == HookKind::RawTracepoint ? BPF_PROG_TYPE_RAW_TRACEPOINT
							 : BPF_PROG_TYPE_KPROBE;
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, nullptr) == 1 &&
	       libbpf_probe_bpf_helper(t, BPF_FUNC_task_storage_get, nullptr) == 1;
}

// Whether the running kernel's BTF has bpf_rdonly_cast (core_fixes.bpf.h
// uses it where it does). Read once per process: loading the vmlinux BTF
// takes ~20 ms, and `auto` may try several hooks.
bool kernel_has_rdonly_cast()
{
	static const bool has = [] {
		std::unique_ptr<btf, BtfDeleter> vmlinux(btf__load_vmlinux_btf());
		return vmlinux &&
		       btf__find_by_name_kind(vmlinux.get(), "bpf_rdonly_cast", BTF_KIND_FUNC) >= 0;
	}();
	return has;
}

// The registry of running tracers, shared through bpffs; a private map when
// bpffs can't be used (then only this instance's own calls are skipped).
UniqueFd open_registry()
{
	try {
		ensure_bpffs();
	} catch (const Error &) {
		return UniqueFd();
	}
	std::string path = kTracerRegistry;
	std::string dir = path.substr(0, path.rfind('/'));
	if (mkdir(dir.c_str(), 0700) && errno != EEXIST)
		return UniqueFd();
	for (int attempt = 0; attempt < 2; attempt++) {
		UniqueFd fd(bpf_obj_get(path.c_str()));
		if (fd.valid())
			return fd;
		if (errno != ENOENT)
			return UniqueFd();
		fd.reset(bpf_map_create(BPF_MAP_TYPE_HASH, "tmi_tracers", sizeof(uint32_t),
					sizeof(tmi_tracer_entry), 1024, nullptr));
		if (!fd.valid())
			return UniqueFd();
		if (bpf_obj_pin(fd.get(), path.c_str()) == 0)
			return fd;
		if (errno != EEXIST)
			return UniqueFd();
		// Another instance pinned one first: use that.
	}
	return UniqueFd();
}

// Field 22 of /proc/PID/stat (start time in clock ticks), or nullopt.
std::optional<uint64_t> start_ticks(uint32_t pid)
{
	std::ifstream in(fmt::format("/proc/{}/stat", pid));
	std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	size_t paren = s.rfind(')');
	if (paren == std::string::npos)
		return std::nullopt;
	std::istringstream rest(s.substr(paren + 2)); // fields 3...
	std::string field;
	for (int i = 3; i <= 22 && rest >> field; i++)
		if (i == 22)
			return std::stoull(field);
	return std::nullopt;
}

// Drops entries of tracers that are gone (pid dead or reused).
void purge_registry(int fd)
{
	uint32_t key, *prev = nullptr;
	std::vector<uint32_t> stale;
	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		tmi_tracer_entry e{};
		if (bpf_map_lookup_elem(fd, &key, &e) == 0) {
			auto t = start_ticks(key);
			if (!t || *t != e.start_ticks)
				stale.push_back(key);
		}
		prev = &key;
	}
	for (uint32_t k : stale)
		bpf_map_delete_elem(fd, &k);
}

struct Attempt {
	SkelPtr skel;
	std::string why; // what the kernel lacks, when skel is null
};

} // namespace

std::string_view hook_kind_name(HookKind h)
{
	switch (h) {
	case HookKind::Auto: return "auto";
	case HookKind::Fentry: return "fentry";
	case HookKind::Kprobe: return "kprobe";
	case HookKind::Tracepoint: return "tracepoint";
	case HookKind::RawTracepoint: return "raw_tp";
	}
	return "?";
}

std::optional<HookKind> parse_hook_kind(std::string_view s)
{
	for (HookKind h : {HookKind::Auto, HookKind::Fentry, HookKind::Kprobe, HookKind::Tracepoint,
			   HookKind::RawTracepoint})
		if (hook_kind_name(h) == s)
			return h;
	return std::nullopt;
}

struct Tracer::Impl {
	SkelPtr skel;
	std::unique_ptr<ring_buffer, RingDeleter> ring;
	UniqueFd registry;
	Handler handler;
	HookKind hook = HookKind::Tracepoint;
	bool attached = false;
	bool registered = false;
	bool aggregate = false;
	// Aggregate mode: the last raw 32-bit bucket counts per map and CPU,
	// and their widened sums, each only up to the highest bucket counted
	// so far (latencies cluster: a few hundred of the 1984 buckets, so a
	// map costs a few KiB here, not 8 KiB per CPU).
	struct Widened {
		std::vector<std::vector<uint32_t>> raw; // [cpu][bucket]
		std::vector<uint64_t> total;
	};
	std::map<uint32_t, Widened> widened;

	~Impl()
	{
		if (registered) {
			uint32_t me = getpid();
			bpf_map_delete_elem(registry.get(), &me);
		}
	}

	static int on_record(void *ctx, void *data, size_t len)
	{
		// Never return < 0 here: that aborts ring_buffer__poll mid-drain.
		static_cast<Impl *>(ctx)->handler(data, len);
		return 0;
	}

	Attempt try_hook(HookKind h, const TraceConfig &cfg);
	void register_self();
};

// Opens, loads and attaches the object with only hook h's programs.
// Errors that are not about the kernel's abilities (bad sizes, out of
// memory for the ring) are thrown; the kernel lacking the hook is returned.
Attempt Tracer::Impl::try_hook(HookKind h, const TraceConfig &cfg)
{
	Attempt a;
	a.why = precheck(h);
	if (!a.why.empty())
		return a;
	SkelPtr skel(tracer_bpf__open());
	if (!skel)
		throw sys_error("can't open BPF object tracer", errno);
	skel->rodata->self_tgid = getpid();
	skel->rodata->targ_tgid = cfg.pid;
	skel->rodata->all_maps = cfg.map_ids.empty();
	skel->rodata->wakeup_bytes = cfg.ringbuf_bytes / 2;
	int ncpu = libbpf_num_possible_cpus();
	skel->rodata->wakeup_check_mask = wakeup_check_mask(cfg.ringbuf_bytes, ncpu > 0 ? ncpu : 1024);
	skel->rodata->exact_cursor = cfg.exact_cursor;
	bool task_storage = !cfg.pre_5_12_paths && task_storage_usable(h);
	skel->rodata->use_task_storage = task_storage;
	skel->rodata->has_rdonly_cast = !cfg.pre_5_12_paths && kernel_has_rdonly_cast();
	skel->rodata->aggregate = cfg.aggregate;
	skel->rodata->agg_pid_set = cfg.aggregate && !cfg.agg_pids.empty();
	std::string comm = cfg.agg_comm.substr(0, TMI_COMM_LEN - 1);
	if (cfg.aggregate)
		std::copy(comm.begin(), comm.end(), const_cast<char *>(skel->rodata->agg_comm));
	// Only the maps of the chosen mode and state are created (the other
	// mode's code is dead to the verifier).
	bool ev = !cfg.aggregate;
	bpf_map__set_autocreate(skel->maps.inflight_task, ev && task_storage);
	bpf_map__set_autocreate(skel->maps.inflight_tid, ev && !task_storage);
	bpf_map__set_autocreate(skel->maps.agg_task, !ev && task_storage);
	bpf_map__set_autocreate(skel->maps.agg_tid, !ev && !task_storage);
	bpf_map__set_autocreate(skel->maps.agg_maps, !ev);
	bpf_map__set_autocreate(skel->maps.agg_callers, !ev);
	bpf_map__set_autocreate(skel->maps.agg_pids, !ev);
	bpf_program *p;
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, hook_of(p) == h);

	uint32_t n = std::max<size_t>(1, cfg.map_ids.size());
	// Aggregate mode writes no event: the smallest ring (one page).
	uint64_t ring = cfg.aggregate ? uint64_t(sysconf(_SC_PAGESIZE)) : cfg.ringbuf_bytes;
	if (int err = bpf_map__set_max_entries(skel->maps.events, ring))
		throw sys_error("can't size the ring buffer", err);
	bpf_map__set_max_entries(skel->maps.agg_maps,
				 cfg.agg_max_maps ? cfg.agg_max_maps : std::max<uint32_t>(1024, n));
	bpf_map__set_max_entries(skel->maps.agg_pids, std::max<size_t>(1, cfg.agg_pids.size()));
	bpf_map__set_max_entries(skel->maps.target_maps, n);
	bpf_map__set_max_entries(skel->maps.lost_by_map, cfg.lost_table_entries
								 ? cfg.lost_table_entries
								 : std::max<uint32_t>(4096, n));
	bpf_map__set_max_entries(skel->maps.failed_by_errno, std::max<uint32_t>(4096, n));
	if (registry.valid())
		if (int err = bpf_map__reuse_fd(skel->maps.tracers, registry.get()))
			throw sys_error("can't use the tracer registry", err);

	std::string name(hook_kind_name(h));
	if (int err = tracer_bpf__load(skel.get())) {
		a.why = fmt::format("{} (loading: {})", name, errno_text(err));
		return a;
	}
	uint8_t one = 1;
	for (uint32_t id : cfg.map_ids)
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.target_maps), &id, &one, BPF_ANY))
			throw sys_error(fmt::format("can't add map id {} to the filter", id), errno);
	if (cfg.aggregate)
		for (uint32_t pid : cfg.agg_pids)
			if (bpf_map_update_elem(bpf_map__fd(skel->maps.agg_pids), &pid, &one, BPF_ANY))
				throw sys_error(fmt::format("can't add pid {} to the filter", pid), errno);
	if (int err = tracer_bpf__attach(skel.get())) {
		a.why = fmt::format("{} (attaching: {})", name, errno_text(err));
		return a;
	}
	a.skel = std::move(skel);
	return a;
}

void Tracer::Impl::register_self()
{
	if (!registry.valid())
		return;
	long tick = sysconf(_SC_CLK_TCK);
	auto t = start_ticks(getpid());
	if (tick <= 0 || !t)
		return;
	uint32_t me = getpid();
	tmi_tracer_entry e{*t, uint64_t(1000000000 / tick)};
	registered = bpf_map_update_elem(registry.get(), &me, &e, BPF_ANY) == 0;
	// After registering: the purge's own walk of the registry is then
	// already invisible to the other instances.
	purge_registry(registry.get());
}

bool valid_ringbuf_size(uint64_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	return bytes >= uint64_t(page) && (bytes & (bytes - 1)) == 0 && bytes <= (1ULL << 31);
}

uint32_t wakeup_check_mask(uint64_t ring_bytes, uint32_t ncpu)
{
	// The ring's 8-byte record header, the event and both keys at most.
	const uint64_t largest = 8 + sizeof(tmi_event) + 2 * TMI_MAX_KEY;
	uint64_t per_cpu = ring_bytes / 4 / std::max<uint32_t>(ncpu, 1) / largest;
	uint32_t every = 1;
	while (every < 64 && every * 2 <= per_cpu)
		every *= 2;
	return every - 1;
}

Tracer::Tracer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tracer::~Tracer() = default;

std::unique_ptr<Tracer> Tracer::start(const TraceConfig &cfg, Handler handler)
{
	g_verbose = cfg.verbose;
	libbpf_set_print(libbpf_print);
	if (!valid_ringbuf_size(cfg.ringbuf_bytes))
		throw Error(fmt::format("invalid ring buffer size {}: must be a power of two "
					"between the page size and 2 GiB", cfg.ringbuf_bytes));
	require_tracing_privileges();
	ensure_tracefs();

	// The op hooks see only the types they hook: auto takes them only when
	// every selected map is covered; asked for explicitly, an uncovered map
	// is an error rather than a silent gap.
	std::optional<std::string> uncovered;
	for (uint32_t id : cfg.map_ids) {
		UniqueFd fd(bpf_map_get_fd_by_id(id));
		bpf_map_info info{};
		uint32_t len = sizeof(info);
		if (fd.valid() && bpf_obj_get_info_by_fd(fd.get(), &info, &len) == 0 &&
		    !op_hooks_cover(info.type)) {
			uncovered = fmt::format("map {} ({}) is of a type hook {} does not see", id,
						info.name, hook_kind_name(cfg.hook));
			break;
		}
	}
	std::vector<HookKind> candidates;
	if (cfg.hook == HookKind::Auto) {
		if (!cfg.map_ids.empty() && !uncovered)
			candidates = {HookKind::Fentry, HookKind::Kprobe};
		candidates.push_back(HookKind::Tracepoint);
		candidates.push_back(HookKind::RawTracepoint);
	} else {
		if (is_op_hook(cfg.hook) && uncovered)
			throw Error(fmt::format("can't trace with hook {}: {}; use --hook tracepoint",
						hook_kind_name(cfg.hook), *uncovered));
		candidates = {cfg.hook};
	}

	auto impl = std::make_unique<Impl>();
	impl->handler = std::move(handler);
	impl->registry = open_registry();
	impl->register_self(); // before any attempt: other instances never see our probing
	std::string lacks;
	for (HookKind h : candidates) {
		Attempt a = impl->try_hook(h, cfg);
		if (a.skel) {
			impl->skel = std::move(a.skel);
			impl->hook = h;
			break;
		}
		lacks += (lacks.empty() ? "" : ", ") + a.why;
	}
	if (!impl->skel)
		throw Error(fmt::format("can't load the tracer: kernel {} lacks {}{}", kernel_release(),
					candidates.size() > 1 ? "every hook: " : "", lacks));
	impl->attached = true;
	impl->aggregate = cfg.aggregate;
	if (cfg.aggregate)
		return std::unique_ptr<Tracer>(new Tracer(std::move(impl)));
	impl->ring.reset(ring_buffer__new(bpf_map__fd(impl->skel->maps.events), Impl::on_record,
					  impl.get(), nullptr));
	if (!impl->ring)
		throw sys_error("can't create ring buffer reader", errno);
	return std::unique_ptr<Tracer>(new Tracer(std::move(impl)));
}

int Tracer::poll(int timeout_ms)
{
	if (impl_->aggregate) { // nothing to drain: aggregates() reads the kernel's sums
		if (timeout_ms > 0)
			usleep(useconds_t(timeout_ms) * 1000);
		return 0;
	}
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
	c.lost_no_room = read(TMI_CNT_LOST_NO_ROOM);
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

std::map<uint32_t, std::map<int, uint64_t>> Tracer::failed_by_errno() const
{
	std::map<uint32_t, std::map<int, uint64_t>> out;
	int fd = bpf_map__fd(impl_->skel->maps.failed_by_errno);
	tmi_failed_key key, *prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		uint64_t v = 0;
		if (bpf_map_lookup_elem(fd, &key, &v) == 0)
			out[key.map_id][int(key.err)] = v;
		prev = &key;
	}
	if (errno != ENOENT)
		throw sys_error("can't read failed-call counters", errno);
	return out;
}

namespace {

// Every key of a map of the tracer (its own calls are never traced).
template <typename K> std::vector<K> keys_of(int fd, const char *what)
{
	std::vector<K> keys;
	K key, *prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		keys.push_back(key);
		prev = &keys.back();
	}
	if (errno != ENOENT)
		throw sys_error(fmt::format("can't read {}", what), errno);
	return keys;
}

std::string fixed_string(const char *s, size_t n) { return std::string(s, strnlen(s, n)); }

// One CPU's counts of a caller (a slot in its map's value or an agg_callers
// entry) added to its sums; the first name seen is kept.
void add_caller(AggCaller &c, uint64_t calls, uint64_t walks, const char (&comm)[TMI_COMM_LEN])
{
	c.calls += calls;
	c.walks += walks;
	if (comm[0] && c.comm.empty())
		c.comm = fixed_string(comm, sizeof(comm));
}

} // namespace

std::map<uint32_t, AggMap> Tracer::aggregates()
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu < 0)
		throw sys_error("can't count possible CPUs", ncpu);
	std::map<uint32_t, AggMap> out;
	int fd = bpf_map__fd(impl_->skel->maps.agg_maps);
	std::vector<tmi_agg_map> vals(ncpu); // 8-byte multiple: the per-CPU stride
	static_assert(sizeof(tmi_agg_map) % 8 == 0);
	for (uint32_t id : keys_of<uint32_t>(fd, "aggregate counters")) {
		if (bpf_map_lookup_elem(fd, &id, vals.data()))
			continue; // gone between the walk and the lookup: never, entries stay
		AggMap &a = out[id];
		a.map_id = id;
		Impl::Widened &w = impl_->widened[id];
		w.raw.resize(size_t(ncpu));
		for (int c = 0; c < ncpu; c++) {
			const tmi_agg_map &v = vals[c];
			a.get_next_key_calls += v.get_next_key_calls;
			a.lookup_batch_calls += v.lookup_batch_calls;
			a.lookup_and_delete_batch_calls += v.lookup_and_delete_batch_calls;
			a.walks_started += v.walks_started;
			a.walks_complete += v.walks_complete;
			a.walks_abandoned += v.walks_abandoned;
			a.batch_walks_started += v.batch_walks_started;
			a.batch_walks_complete += v.batch_walks_complete;
			a.batch_walks_abandoned += v.batch_walks_abandoned;
			a.walks_other_start += v.walks_other_start;
			a.latency_sum_ns += v.latency_sum_ns;
			a.latency_max_ns = std::max<uint64_t>(a.latency_max_ns, v.latency_max_ns);
			a.callers_overflow += v.callers_overflow;
			if (v.map_type && !a.map_type)
				a.map_type = v.map_type;
			if (v.map_name[0] && a.map_name.empty())
				a.map_name = fixed_string(v.map_name, sizeof(v.map_name));
			widen_counts(v.hist, TMI_AGG_BUCKETS, w.raw[size_t(c)], w.total);
			for (const tmi_agg_caller_slot &s : v.callers)
				if (s.tgid)
					add_caller(a.callers[s.tgid], s.calls, s.walks, s.comm);
		}
		a.hist = w.total;
	}
	int cfd = bpf_map__fd(impl_->skel->maps.agg_callers);
	std::vector<tmi_agg_caller> cv(ncpu);
	static_assert(sizeof(tmi_agg_caller) % 8 == 0);
	for (auto &k : keys_of<tmi_agg_caller_key>(cfd, "aggregate callers")) {
		if (bpf_map_lookup_elem(cfd, &k, cv.data()))
			continue;
		AggCaller &c = out[k.map_id].callers[k.tgid];
		for (auto &v : cv)
			add_caller(c, v.calls, v.walks, v.comm);
	}
	return out;
}

size_t Tracer::aggregate_capacity() const
{
	return bpf_map__max_entries(impl_->skel->maps.agg_maps);
}

void Tracer::forget_aggregates(const std::set<uint32_t> &map_ids)
{
	if (map_ids.empty())
		return;
	int cfd = bpf_map__fd(impl_->skel->maps.agg_callers);
	for (auto &k : keys_of<tmi_agg_caller_key>(cfd, "aggregate callers"))
		if (map_ids.count(k.map_id))
			bpf_map_delete_elem(cfd, &k);
	for (uint32_t id : map_ids) {
		bpf_map_delete_elem(bpf_map__fd(impl_->skel->maps.agg_maps), &id);
		impl_->widened.erase(id);
	}
}

void Tracer::forget_lost(const std::set<uint32_t> &map_ids)
{
	for (uint32_t id : map_ids)
		bpf_map_delete_elem(bpf_map__fd(impl_->skel->maps.lost_by_map), &id);
}

bool Tracer::aggregate() const { return impl_->aggregate; }

std::string_view Tracer::hook_name() const { return hook_kind_name(impl_->hook); }
HookKind Tracer::hook() const { return impl_->hook; }

} // namespace tmi
