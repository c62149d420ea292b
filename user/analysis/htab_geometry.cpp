// htab_geometry.cpp: see htab_geometry.hpp. The one includer of
// htab_info.skel.h.
#include "analysis/htab_geometry.hpp"

#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>

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

} // namespace

struct HtabGeometryReader::Impl {
	std::unique_ptr<htab_info_bpf, SkelFree> skel;
	bool attached = false;
};

HtabGeometryReader::HtabGeometryReader() : impl_(std::make_unique<Impl>())
{
	ensure_tracefs();
	impl_->skel.reset(htab_info_bpf__open());
	if (!impl_->skel)
		throw sys_error("can't open BPF object htab_info", errno);
	impl_->skel->rodata->self_tgid = getpid();
	if (int err = htab_info_bpf__load(impl_->skel.get()))
		throw sys_error("can't load BPF object htab_info (run as root)", err);
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
		throw Error(fmt::format("can't read the bucket geometry of map {}", m.info.id));
	return {skel->bss->result.n_buckets, skel->bss->result.hashrnd};
}

} // namespace tmi
