// htab_geometry.hpp: n_buckets and hashrnd of live hash maps, read from the
// kernel's struct bpf_htab by bpf/htab_info.bpf.c (read-only).
//
// Two things cost: loading the BPF object (libbpf parses the kernel's BTF
// for CO-RE), ~100 ms, and detaching it (closing a tracepoint's perf event
// waits for an RCU grace period), ~50 ms. A reader loads once, attaches on
// the first read() and stays attached until detach(), so reading N maps
// costs one load and one detach, not N (the tracer's startup used to take
// ~120 ms per selected map). While attached the program runs on every
// bpf() call's entry on the host (it returns at once for other processes):
// detach when the batch of reads is done.
// Contract: the constructor throws tmi::Error when the object cannot be
// loaded; read() throws tmi::Error naming the map. Owns the skeleton.
#pragma once

#include <cstdint>
#include <memory>

#include "maps/maps.hpp"

namespace tmi {

struct HtabGeometry {
	uint32_t n_buckets = 0, hashrnd = 0;
};

class HtabGeometryReader {
public:
	HtabGeometryReader();
	~HtabGeometryReader();
	HtabGeometryReader(const HtabGeometryReader &) = delete;
	HtabGeometryReader &operator=(const HtabGeometryReader &) = delete;

	HtabGeometry read(const OpenMap &m);
	// Detaches the program (no-op when not attached); read() re-attaches.
	void detach();
	bool attached() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace tmi
