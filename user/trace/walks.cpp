// walks.cpp: see walks.hpp.
#include "trace/walks.hpp"

#include "trace/key_set.hpp"

namespace tmi {

struct WalkTracker::Open {
	Walk walk;
	Sha256 order_hash;
	KeySet seen;
	// Keys returned by the walks this one resumed (a chain of Resumed
	// starts): a later jump back to one of them is a resume too.
	KeySet earlier;
	Bytes last_key;
	bool have_last = false;
	bool last_was_duplicate = false;
};

static std::tuple<uint32_t, uint32_t, bool> walk_key(uint32_t tid, uint32_t map_id, bool batch)
{
	return {tid, map_id, batch};
}

const char *walk_start_name(WalkStart s)
{
	switch (s) {
	case WalkStart::Null: return "null";
	case WalkStart::Resumed: return "resumed";
	case WalkStart::UnknownKey: return "unknown_key";
	}
	return "unknown_key";
}

const char *batch_op_name(BatchOp op)
{
	switch (op) {
	case BatchOp::Lookup: return "lookup";
	case BatchOp::LookupAndDelete: return "lookup_and_delete";
	case BatchOp::Mixed: return "mixed";
	}
	return "mixed";
}

static BatchOp op_of(Cmd cmd)
{
	return cmd == Cmd::LookupAndDeleteBatch ? BatchOp::LookupAndDelete : BatchOp::Lookup;
}

WalkTracker::WalkTracker(OrderMode mode, Sink sink) : mode_(mode), sink_(std::move(sink)) {}
WalkTracker::~WalkTracker() = default;

WalkTracker::Open &WalkTracker::start(const CallEvent &ev, bool batch, WalkStart how)
{
	auto o = std::make_unique<Open>();
	o->walk.batch = batch;
	o->walk.map_id = ev.map_id;
	o->walk.pid = ev.pid;
	o->walk.tid = ev.tid;
	o->walk.comm = ev.comm;
	o->walk.start_ns = ev.enter_ns();
	o->walk.start = how;
	o->walk.resumed = how == WalkStart::Resumed;
	if (batch)
		o->walk.op = op_of(ev.cmd);
	auto &slot = open_[walk_key(ev.tid, ev.map_id, batch)];
	slot = std::move(o);
	return *slot;
}

void WalkTracker::end(const Key &key, bool complete)
{
	auto it = open_.find(key);
	if (it == open_.end())
		return;
	std::unique_ptr<Open> o = std::move(it->second);
	open_.erase(it);
	o->walk.complete = complete;
	if (!o->walk.batch && mode_ != OrderMode::None)
		o->walk.order_sha256 = o->order_hash.hex_digest();
	sink_(std::move(o->walk));
}

void WalkTracker::on_event(const CallEvent &ev, std::optional<uint64_t> skipped)
{
	if (ev.is_batch())
		on_batch(ev);
	else
		on_get_next_key(ev, skipped);
}

void WalkTracker::on_get_next_key(const CallEvent &ev, std::optional<uint64_t> skipped)
{
	Key key = walk_key(ev.tid, ev.map_id, false);
	auto it = open_.find(key);
	Open *o = it == open_.end() ? nullptr : it->second.get();

	// An uncopied cursor is the buffer this thread's previous call on this
	// map returned into: it continues the open walk even when that key
	// could not be copied.
	bool continues = o && (ev.cursor_is_last ||
			       (o->have_last && ev.cursor && *ev.cursor == o->last_key));
	if (!continues) {
		WalkStart how = WalkStart::UnknownKey;
		KeySet earlier;
		if (ev.walk_start()) {
			how = WalkStart::Null;
		} else if (o && ev.cursor &&
			   (o->seen.contains(*ev.cursor) || o->earlier.contains(*ev.cursor))) {
			how = WalkStart::Resumed;
			earlier = std::move(o->earlier);
			earlier.merge(o->seen);
		}
		if (o)
			end(key, false);
		o = &start(ev, false, how);
		o->earlier = std::move(earlier);
	}

	Walk &w = o->walk;
	w.calls++;
	w.busy_ns += ev.latency_ns;
	w.end_ns = ev.ts_ns;
	if (mode_ == OrderMode::Full)
		w.skipped.push_back(skipped ? int64_t(*skipped) : -1);
	if (ev.at_end()) {
		end(key, true);
		return;
	}
	w.keys++;
	if (!ev.next_key) {
		// The kernel returned a key we could not copy: the walk goes on,
		// but the next call cannot be matched to it.
		w.unreadable_keys++;
		o->have_last = false;
		return;
	}
	const Bytes &k = *ev.next_key;
	bool duplicate = !o->seen.insert(k);
	if (duplicate) {
		w.duplicates++;
		if (!o->last_was_duplicate)
			w.restarts++;
	}
	o->last_was_duplicate = duplicate;
	if (mode_ != OrderMode::None)
		o->order_hash.update(k);
	if (mode_ == OrderMode::Full)
		w.order.push_back(k);
	o->last_key = k;
	o->have_last = true;
}

void WalkTracker::on_batch(const CallEvent &ev)
{
	Key key = walk_key(ev.tid, ev.map_id, true);
	auto it = open_.find(key);
	Open *o = it == open_.end() ? nullptr : it->second.get();
	bool starts = ev.batch_start;
	if (starts || !o) {
		if (o)
			end(key, false);
		// A batch token is not recorded: a walk not seen from its start
		// began at a token this tracer never saw returned.
		o = &start(ev, true, starts ? WalkStart::Null : WalkStart::UnknownKey);
	}
	Walk &w = o->walk;
	if (op_of(ev.cmd) != w.op)
		w.op = BatchOp::Mixed;
	w.calls++;
	w.entries += ev.batch_count;
	w.busy_ns += ev.latency_ns;
	w.end_ns = ev.ts_ns;
	if (ev.at_end())
		end(key, true);
}

void WalkTracker::finish()
{
	while (!open_.empty())
		end(Key(open_.begin()->first), false);
}

} // namespace tmi
