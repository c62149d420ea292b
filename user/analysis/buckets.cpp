// buckets.cpp: see buckets.hpp.
#include "analysis/buckets.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdarg>

#include "base/error.hpp"
#include "base/host.hpp"

extern "C" {
#include "htab_info.skel.h"
}

namespace tmi {

namespace {

struct SkelFree {
	void operator()(htab_info_bpf *s) const { htab_info_bpf__destroy(s); }
};

struct Geometry {
	uint32_t n_buckets = 0, hashrnd = 0;
};

int quiet_print(enum libbpf_print_level, const char *, va_list) { return 0; }

// Reads n_buckets and hashrnd; throws tmi::Error naming what is missing.
// libbpf stays quiet: the caller reports a failure in one line.
Geometry read_geometry(const OpenMap &m)
{
	ensure_tracefs();
	if (!tracepoint_exists("syscalls", "sys_enter_bpf"))
		throw Error("the kernel has no syscalls:sys_enter_bpf tracepoint "
			    "(CONFIG_FTRACE_SYSCALLS)");
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	struct Restore {
		libbpf_print_fn_t fn;
		~Restore() { libbpf_set_print(fn); }
	} restore{old};
	std::unique_ptr<htab_info_bpf, SkelFree> skel(htab_info_bpf__open());
	if (!skel)
		throw sys_error("can't open BPF object htab_info", errno);
	skel->rodata->self_tgid = getpid();
	if (int err = htab_info_bpf__load(skel.get()))
		throw sys_error(geteuid() ? "can't load BPF object htab_info (needs root or CAP_BPF "
					    "and CAP_PERFMON)"
					  : "can't load BPF object htab_info",
				err);
	skel->bss->want_fd = m.fd.get();
	if (int err = htab_info_bpf__attach(skel.get()))
		throw sys_error("can't attach to syscalls:sys_enter_bpf", err);
	map_info_of(m.fd.get()); // the syscall the program reads the map from
	htab_info_bpf__detach(skel.get());
	if (!skel->bss->result.done || skel->bss->result.map_id != m.info.id)
		throw Error(fmt::format("can't read the bucket geometry of map {}", m.info.id));
	return {skel->bss->result.n_buckets, skel->bss->result.hashrnd};
}

} // namespace

bool order_is_bucket_ascending(const MapContents &m, const HtabModel &model)
{
	uint32_t prev = 0;
	for (size_t i = 0; i < m.count(); i++) {
		uint32_t b = model.bucket(m.key(i));
		if (b < prev)
			return false;
		prev = b;
	}
	return true;
}

HtabModel read_htab_model(const OpenMap &m, const MapContents &batch_order)
{
	if (!is_hash_family(m.info.type))
		throw Error(fmt::format("can't analyse buckets of map {}: {} is not a hash map",
					m.info.id, map_type_name(m.info.type)));
	Geometry g;
	try {
		g = read_geometry(m);
	} catch (const Error &e) {
		throw Error(fmt::format("can't read the bucket geometry of map {}: {}", m.info.id,
					e.what()));
	}
	if (g.n_buckets == 0 || (g.n_buckets & (g.n_buckets - 1)))
		throw Error(fmt::format("can't analyse buckets of map {}: n_buckets {} read from "
					"the kernel is not a power of two",
					m.info.id, g.n_buckets));
	HtabModel model{g.n_buckets, g.hashrnd, HashVariant::Jhash2ForWords};
	// Kernels before the jhash2 patch hash every key with jhash; the batch
	// order (bucket ascending) tells which one this kernel uses. On
	// little-endian hosts jhash over 4n bytes equals jhash2 over n words
	// (tests/unit/test_htab_model.cpp), so only big-endian hosts need the pass.
	if (std::endian::native == std::endian::big && m.info.key_size % 4 == 0 &&
	    !order_is_bucket_ascending(batch_order, model)) {
		HtabModel old = model;
		old.variant = HashVariant::JhashOnly;
		if (order_is_bucket_ascending(batch_order, old))
			return old;
	}
	return model;
}

HtabModelResult try_read_htab_model(const OpenMap &m, const MapContents &batch_order)
{
	HtabModelResult r;
	try {
		r.model = read_htab_model(m, batch_order);
	} catch (const Error &e) {
		r.why = e.what();
	}
	return r;
}

BucketReport analyse_buckets(const MapContents &m, const HtabModel &model, size_t top)
{
	BucketReport r;
	r.n_buckets = model.n_buckets;
	r.entries = m.count();
	r.chain_len.assign(model.n_buckets, 0);
	std::vector<uint32_t> bucket_of(m.count());
	uint32_t prev = 0;
	r.model_agrees = true;
	for (size_t i = 0; i < m.count(); i++) {
		uint32_t b = model.bucket(m.key(i));
		bucket_of[i] = b;
		r.chain_len[b]++;
		r.model_agrees &= b >= prev;
		prev = b;
	}
	uint32_t run = 0;
	for (uint32_t b = 0; b < model.n_buckets; b++) {
		uint32_t len = r.chain_len[b];
		if (len == 0) {
			r.empty_buckets++;
			if (++run > r.empty_run_len) {
				r.empty_run_len = run;
				r.empty_run_start = b + 1 - run;
			}
			continue;
		}
		run = 0;
		r.chain_hist[len]++;
		r.max_chain = std::max(r.max_chain, len);
	}
	// Hottest: partial sort of non-empty buckets by (len desc, bucket asc).
	std::vector<uint32_t> nonempty;
	for (uint32_t b = 0; b < model.n_buckets; b++)
		if (r.chain_len[b])
			nonempty.push_back(b);
	size_t k = std::min(top, nonempty.size());
	std::partial_sort(nonempty.begin(), nonempty.begin() + k, nonempty.end(),
			  [&](uint32_t a, uint32_t b) {
				  return r.chain_len[a] != r.chain_len[b] ? r.chain_len[a] > r.chain_len[b]
									  : a < b;
			  });
	std::map<uint32_t, size_t> slot;
	for (size_t i = 0; i < k; i++) {
		r.hottest.push_back({nonempty[i], r.chain_len[nonempty[i]], {}});
		slot[nonempty[i]] = i;
	}
	for (size_t i = 0; i < m.count(); i++) {
		auto it = slot.find(bucket_of[i]);
		if (it != slot.end())
			r.hottest[it->second].keys.emplace_back(m.key(i));
	}
	return r;
}

} // namespace tmi
