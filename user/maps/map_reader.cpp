// map_reader.cpp: see map_reader.hpp.
#include "maps/map_reader.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/bpf.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "base/error.hpp"
#include "maps/key_iterator.hpp"

namespace tmi {

namespace {

constexpr int kENOTSUPP = 524; // kernel-internal ENOTSUPP leaks to userspace
constexpr uint32_t kBatchEntries = 16384;
// Hash maps this large are read by two threads (read_halves).
constexpr uint32_t kSplitEntries = 65536;

// What the reader thread and the consumer share. The reader publishes how
// many entries are complete and where the buffers are; it takes `moving`
// exclusively only to grow a buffer past its capacity (which moves it), and
// the consumer holds it shared while it works on a range, so a range's
// pointers stay valid. Neither side touches the other's std::string objects.
struct Handoff {
	std::shared_mutex moving;
	std::mutex mu;
	std::condition_variable cv;
	size_t published = 0;
	char *keys = nullptr, *values = nullptr;
	bool done = false;

	void publish(const MapContents &m, size_t n)
	{
		{
			std::lock_guard<std::mutex> g(mu);
			published = n;
			keys = const_cast<char *>(m.keys.data());
			values = const_cast<char *>(m.values.data());
		}
		cv.notify_one();
	}
};

// Resizes `b` (the reader's side): exclusively when that moves it.
void grow(HugeBuffer &b, size_t size, const MapContents &m, Handoff *h, size_t n)
{
	if (!h || size <= b.capacity()) {
		b.resize(size);
		return;
	}
	std::unique_lock<std::shared_mutex> lk(h->moving);
	b.resize(size);
	h->publish(m, n);
}

void strip_percpu_padding(MapContents &m, const char *raw, size_t n, uint32_t value_size,
			  uint32_t stride, Handoff *h = nullptr, size_t done = 0)
{
	size_t old = m.values.size();
	grow(m.values, old + n * m.value_bytes, m, h, done);
	char *out = m.values.data() + old;
	for (size_t i = 0; i < n; i++)
		for (uint32_t c = 0; c < m.ncpu; c++) {
			std::memcpy(out, raw + (i * m.ncpu + c) * stride, value_size);
			out += value_size;
		}
}

// A part of a hash map's bucket array, [start, stop), for read_batched.
// The kernel's batch token for hash maps is the index of the next bucket to
// read, a u32 (kernel/bpf/hashtab.c, __htab_map_lookup_and_delete_batch,
// unchanged since batch ops came in 5.6), so two readers can take the two
// halves at once. A token that does not grow marks the part `odd` (the
// caller then reads the whole map the ordinary way).
struct BucketSpan {
	uint32_t start, stop;
	bool odd = false;
};

// Returns false when the kernel has no batch lookup for this map type.
// Non-per-CPU entries land directly in m.keys/m.values (no second copy).
// With `h`, each completed batch is published to the consumer. With `span`,
// reads from bucket span->start (0: the beginning) until the token reaches
// span->stop; the last batch may run past it (the caller drops repeats).
bool read_batched(int fd, const MapInfo &info, MapContents &m, uint32_t stride, Handoff *h,
		  BucketSpan *span = nullptr)
{
	uint32_t chunk = std::min<uint32_t>(kBatchEntries, std::max<uint32_t>(info.max_entries, 1));
	std::string token_in(std::max<uint32_t>(info.key_size, 8), '\0'), token_out = token_in;
	std::string raw;
	bool first = !span || span->start == 0, percpu = is_percpu_type(info.type);
	uint32_t last_token = span ? span->start : 0;
	if (span)
		std::memcpy(token_in.data(), &span->start, sizeof(uint32_t));
	size_t n = 0; // entries read so far
	while (true) {
		grow(m.keys, (n + chunk) * info.key_size, m, h, n);
		char *vals;
		if (percpu) {
			raw.resize(size_t(chunk) * stride * m.ncpu);
			vals = raw.data();
		} else {
			grow(m.values, (n + chunk) * info.value_size, m, h, n);
			vals = m.values.data() + n * info.value_size;
		}
		uint32_t count = chunk;
		int err = bpf_map_lookup_batch(fd, first ? nullptr : token_in.data(), token_out.data(),
					       m.keys.data() + n * info.key_size, vals, &count, nullptr);
		int e = err ? errno : 0;
		if (err && e != ENOENT) {
			if (first && (e == kENOTSUPP || e == EOPNOTSUPP || e == EINVAL))
				return false;
			if (e == ENOSPC && count == 0) { // one bucket holds more than `chunk`
				chunk *= 2;
				continue;
			}
			throw sys_error(fmt::format("can't batch-read map {}", info.id), e);
		}
		if (percpu)
			strip_percpu_padding(m, raw.data(), count, info.value_size, stride, h, n);
		n += count;
		if (h)
			h->publish(m, n);
		bool stop = e == ENOENT;
		if (span && !stop) {
			uint32_t token;
			std::memcpy(&token, token_out.data(), sizeof token);
			span->odd = token <= last_token;
			stop = span->odd || token >= span->stop;
			last_token = token;
		}
		if (stop) {
			// Shrinking never moves a buffer: no exclusive section needed.
			m.keys.resize(n * info.key_size);
			m.values.resize(n * m.value_bytes);
			return true;
		}
		std::swap(token_in, token_out);
		first = false;
	}
}

// read_batched on a reader thread; the calling thread hands each published
// range to `sink` while the kernel copies the next batch.
bool read_batched_overlapped(int fd, const MapInfo &info, MapContents &m, uint32_t stride,
			     const RangeSink &sink)
{
	Handoff h;
	bool batched = false;
	std::exception_ptr failure;
	std::thread reader([&] {
		try {
			batched = read_batched(fd, info, m, stride, &h);
		} catch (...) {
			failure = std::current_exception();
		}
		std::lock_guard<std::mutex> g(h.mu);
		h.done = true;
		h.cv.notify_one();
	});
	size_t consumed = 0;
	std::exception_ptr sink_failure;
	while (true) {
		{
			std::unique_lock<std::mutex> lk(h.mu);
			h.cv.wait(lk, [&] { return h.done || h.published > consumed; });
			if (h.published <= consumed) // done, nothing new
				break;
		}
		// Not held while waiting: the reader may need `moving` to go on.
		std::shared_lock<std::shared_mutex> still(h.moving);
		std::unique_lock<std::mutex> lk(h.mu);
		ReadRange r{h.keys, h.values, consumed, h.published, m.key_size, m.value_bytes};
		lk.unlock();
		if (!sink_failure) {
			try {
				sink(r);
			} catch (...) {
				sink_failure = std::current_exception(); // reported after the join
			}
		}
		consumed = r.to;
	}
	reader.join();
	if (failure)
		std::rethrow_exception(failure);
	if (sink_failure)
		std::rethrow_exception(sink_failure);
	return batched;
}

void read_by_next_key(int fd, const MapInfo &info, MapContents &m, uint32_t stride)
{
	std::string key(info.key_size, '\0'), raw(size_t(stride) * m.ncpu, '\0');
	bool percpu = is_percpu_type(info.type);
	KeyIterator it(fd, info, walk_bound(info));
	while (it.next(key)) {
		if (bpf_map_lookup_elem(fd, key.data(), raw.data())) {
			if (errno == ENOENT)
				continue; // deleted between next_key and lookup: not an entry now
			throw sys_error(fmt::format("can't look up a key of map {} ({})", info.id,
						    map_type_name(info.type)),
					errno);
		}
		m.keys.append(key.data(), key.size());
		if (percpu)
			strip_percpu_padding(m, raw.data(), 1, info.value_size, stride);
		else
			m.values.append(raw.data(), info.value_size);
	}
	if (it.error())
		throw *it.error();
}

bool is_hash_type(uint32_t type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_LRU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

// A large hash map read by two threads, one half of the bucket array each
// (see BucketSpan): the kernel's copy is most of a dump's time. The upper
// half is appended to the lower; a key the lower half's last batch already
// returned is dropped later by canonicalisation (the later read kept).
// Returns false (m untouched beyond its reservation) when a token looked
// odd or the kernel has no batch lookup: the caller reads the usual way.
bool read_halves(int fd, const MapInfo &info, MapContents &m, uint32_t stride)
{
	// The kernel's n_buckets: max_entries rounded up to a power of two.
	uint64_t buckets = 1;
	while (buckets < info.max_entries)
		buckets <<= 1;
	BucketSpan lower{0, uint32_t(buckets / 2)}, upper{uint32_t(buckets / 2), UINT32_MAX};
	MapContents top;
	top.key_size = m.key_size;
	top.value_bytes = m.value_bytes;
	top.ncpu = m.ncpu;
	size_t half = std::min<uint32_t>(info.max_entries, 1u << 20) / 2 + 2 * kBatchEntries;
	top.keys.reserve(half * info.key_size);
	top.values.reserve(half * m.value_bytes);
	bool top_ok = false;
	std::exception_ptr failure;
	std::thread helper([&] {
		try {
			top_ok = read_batched(fd, info, top, stride, nullptr, &upper);
		} catch (...) {
			failure = std::current_exception();
		}
	});
	bool low_ok = false;
	try {
		low_ok = read_batched(fd, info, m, stride, nullptr, &lower);
	} catch (...) {
		helper.join();
		throw;
	}
	helper.join();
	if (failure)
		std::rethrow_exception(failure);
	if (!low_ok || !top_ok || lower.odd || upper.odd) {
		m.keys.clear();
		m.values.clear();
		return false;
	}
	m.keys.append(top.keys);
	m.values.append(top.values);
	return true;
}

} // namespace

void check_iterable(const MapInfo &info)
{
	switch (info.type) {
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
	case BPF_MAP_TYPE_BLOOM_FILTER:
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
	case BPF_MAP_TYPE_STRUCT_OPS:
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case 32: // cgrp_storage (uapi headers of Debian 12 predate it)
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case 33: // arena
		throw Error(fmt::format("can't dump map {}: {} maps cannot be iterated", info.id,
					map_type_name(info.type)));
	default:
		break;
	}
	if (info.key_size == 0)
		throw Error(fmt::format("can't dump map {}: {} map has no keys", info.id,
					map_type_name(info.type)));
}

MapContents read_map(int fd, const MapInfo &info, const RangeSink &sink)
{
	check_iterable(info);
	MapContents m;
	m.key_size = info.key_size;
	uint32_t stride = info.value_size;
	if (is_percpu_type(info.type)) {
		int ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0)
			throw sys_error("can't count possible CPUs", ncpu);
		m.ncpu = ncpu;
		stride = (info.value_size + 7) / 8 * 8;
	}
	m.value_bytes = info.value_size * m.ncpu;
	// One batch beyond max_entries: read_batched resizes a chunk ahead, and
	// growing past the reservation would double the buffers.
	size_t expect = std::min<uint32_t>(info.max_entries, 1u << 20) + kBatchEntries;
	m.keys.reserve(expect * info.key_size);
	m.values.reserve(expect * m.value_bytes);
	// Two readers for large hash maps (their ranges go to the sink once
	// read); otherwise one reader, overlapped with the sink's work.
	if (sink && is_hash_type(info.type) && info.max_entries >= kSplitEntries &&
	    read_halves(fd, info, m, stride)) {
		m.method = ReadMethod::Batch;
		sink(ReadRange{m.keys.data(), m.values.data(), 0, m.count(), m.key_size, m.value_bytes});
		return m;
	}
	bool batched = sink ? read_batched_overlapped(fd, info, m, stride, sink)
			    : read_batched(fd, info, m, stride, nullptr);
	if (batched) {
		m.method = ReadMethod::Batch;
		return m;
	}
	m.keys.clear();
	m.values.clear();
	m.method = ReadMethod::NextKey;
	read_by_next_key(fd, info, m, stride);
	if (sink && m.count())
		sink(ReadRange{m.keys.data(), m.values.data(), 0, m.count(), m.key_size, m.value_bytes});
	return m;
}

} // namespace tmi
