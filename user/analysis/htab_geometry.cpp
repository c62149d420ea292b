// htab_geometry.cpp: see htab_geometry.hpp. The one includer of
// htab_info.skel.h.
#include "analysis/htab_geometry.hpp"

#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
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

int quiet_print(enum libbpf_print_level, const char *, va_list) { return 0; }

// libbpf stays quiet while the reader loads: a caller that can do without
// the geometry reports a failure in one line of its own.
struct QuietLibbpf {
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	~QuietLibbpf() { libbpf_set_print(old); }
};

} // namespace

struct HtabGeometryReader::Impl {
	std::unique_ptr<htab_info_bpf, SkelFree> skel;
	bool attached = false;
};

HtabGeometryReader::HtabGeometryReader() : impl_(std::make_unique<Impl>())
{
	ensure_tracefs();
	if (!tracepoint_exists("syscalls", "sys_enter_bpf"))
		throw Error("the kernel has no syscalls:sys_enter_bpf tracepoint "
			    "(CONFIG_FTRACE_SYSCALLS)");
	QuietLibbpf quiet;
	impl_->skel.reset(htab_info_bpf__open());
	if (!impl_->skel)
		throw sys_error("can't open BPF object htab_info", errno);
	impl_->skel->rodata->self_tgid = getpid();
	if (int err = htab_info_bpf__load(impl_->skel.get()))
		throw sys_error(geteuid() ? "can't load BPF object htab_info (needs root or CAP_BPF "
					    "and CAP_PERFMON)"
					  : "can't load BPF object htab_info",
				err);
}

HtabGeometryReader::~HtabGeometryReader() = default;

void HtabGeometryReader::detach()
{
	if (impl_->attached)
		htab_info_bpf__detach(impl_->skel.get());
	impl_->attached = false;
}

bool HtabGeometryReader::attached() const { return impl_->attached; }

HtabGeometry HtabGeometryReader::read(const OpenMap &m)
{
	htab_info_bpf *skel = impl_->skel.get();
	skel->bss->result = {};
	skel->bss->want_fd = m.fd.get();
	if (!impl_->attached) {
		if (int err = htab_info_bpf__attach(skel))
			throw sys_error("can't attach to syscalls:sys_enter_bpf", err);
		impl_->attached = true;
	}
	map_info_of(m.fd.get()); // the syscall the program reads the map from
	if (!skel->bss->result.done || skel->bss->result.map_id != m.info.id)
		throw Error("the kernel did not report it");
	return {skel->bss->result.n_buckets, skel->bss->result.hashrnd};
}

} // namespace tmi
