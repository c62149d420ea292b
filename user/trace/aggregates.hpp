// aggregates.hpp: the kernel's aggregate-mode totals (Tracer::aggregates())
// turned into the per-map stats every output already takes.
//
// Readings are cumulative; agg_delta() gives what happened between two of
// them, add_aggregate() adds it to a MapStats. Walks are counted when they
// end (complete at ENOENT, incomplete at the thread's next start on the
// map), as the event path counts them; add_open_walks() ends the walks still
// open when tracing stops, so a run's totals count every walk started.
// What the kernel cannot know without keys (restarts, duplicates, order) is
// marked unknown (MapStats::order_known = false), never zero.
// Contract: pure.
#pragma once

#include "analysis/stats.hpp"
#include "trace/tracer.hpp"

namespace tmi {

// cur - prev, field by field (prev == nullptr: cur itself). Callers are
// matched by tgid; the name and type come from cur.
AggMap agg_delta(const AggMap &cur, const AggMap *prev);

// Adds one delta (calls, ended walks, latency, callers) to `s` and marks
// it as aggregate-mode stats. `max_seen`: the map's running latency maximum.
void add_aggregate(MapStats &s, const AggMap &delta, uint64_t max_seen);

// Counts the walks open in cumulative reading `cum` as ended (incomplete).
void add_open_walks(MapStats &s, const AggMap &cum);

// Marks `s` as aggregate-mode stats (unknowns absent, new counts zero).
void mark_aggregate(MapStats &s);

// Adds one CPU's n 32-bit bucket counts (the kernel's, which wrap) to
// `total` by their differences from `raw`, the counts last read, then keeps
// them in `raw`. Both hold buckets only up to the highest ever counted
// (they grow, never shrink: a count that wrapped to 0 keeps its past).
void widen_counts(const uint32_t *counts, size_t n, std::vector<uint32_t> &raw,
		  std::vector<uint64_t> &total);

} // namespace tmi
