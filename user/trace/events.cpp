// events.cpp: see events.hpp.
#include "trace/events.hpp"

#include <linux/types.h>

#include <cstring>

extern "C" {
#include "trace_map_iter.h"
}

namespace tmi {

std::optional<CallEvent> decode_event(const void *data, size_t len)
{
	tmi_event hdr;
	if (len < sizeof(hdr))
		return std::nullopt;
	std::memcpy(&hdr, data, sizeof(hdr));
	if (hdr.cmd != TMI_CMD_GET_NEXT_KEY && hdr.cmd != TMI_CMD_LOOKUP_BATCH &&
	    hdr.cmd != TMI_CMD_LOOKUP_AND_DELETE_BATCH)
		return std::nullopt;
	if (hdr.key_len > TMI_MAX_KEY || hdr.n_keys > 2 ||
	    len < sizeof(hdr) + size_t(hdr.n_keys) * hdr.key_len)
		return std::nullopt;

	CallEvent ev;
	ev.ts_ns = hdr.ts_ns;
	ev.latency_ns = hdr.latency_ns;
	ev.pid = hdr.pid;
	ev.tid = hdr.tid;
	ev.map_id = hdr.map_id;
	ev.map_type = hdr.map_type;
	ev.key_size = hdr.key_size;
	ev.cmd = static_cast<Cmd>(hdr.cmd);
	ev.ret = hdr.ret;
	ev.batch_count = hdr.batch_count;
	ev.cpu = hdr.cpu;
	ev.key_truncated = hdr.flags & TMI_F_KEY_TRUNCATED;
	ev.comm.assign(hdr.comm, strnlen(hdr.comm, sizeof(hdr.comm)));
	ev.map_name.assign(hdr.map_name, strnlen(hdr.map_name, sizeof(hdr.map_name)));

	const char *keys = static_cast<const char *>(data) + sizeof(hdr);
	unsigned idx = 0;
	ev.cursor_is_last = hdr.flags & TMI_F_CURSOR_IS_LAST;
	bool has_cursor = !(hdr.flags & (TMI_F_CURSOR_NULL | TMI_F_CURSOR_IS_LAST));
	if (ev.is_batch()) {
		if (hdr.n_keys != 0)
			return std::nullopt;
		ev.batch_start = !has_cursor;
		return ev;
	}
	if (has_cursor) {
		if (hdr.n_keys < 1)
			return std::nullopt;
		ev.cursor = Bytes(keys, hdr.key_len);
		idx = 1;
	}
	if (hdr.n_keys > idx) {
		if (ev.ret != 0)
			return std::nullopt;
		ev.next_key = Bytes(keys + idx * hdr.key_len, hdr.key_len);
	} else if (ev.ret == 0) {
		ev.next_key_unreadable = true;
	}
	return ev;
}

std::string encode_event(const CallEvent &ev)
{
	tmi_event hdr{};
	hdr.ts_ns = ev.ts_ns;
	hdr.latency_ns = ev.latency_ns;
	hdr.pid = ev.pid;
	hdr.tid = ev.tid;
	hdr.map_id = ev.map_id;
	hdr.map_type = ev.map_type;
	hdr.key_size = ev.key_size;
	hdr.cmd = static_cast<uint16_t>(ev.cmd);
	hdr.ret = ev.ret;
	hdr.batch_count = ev.batch_count;
	hdr.cpu = ev.cpu;
	bool null_cursor = ev.is_batch() ? ev.batch_start : ev.walk_start();
	hdr.flags = (null_cursor ? TMI_F_CURSOR_NULL : 0) |
		    (ev.cursor_is_last ? TMI_F_CURSOR_IS_LAST : 0) | (ev.key_truncated ? TMI_F_KEY_TRUNCATED : 0);
	std::string keys;
	if (ev.cursor)
		keys += *ev.cursor;
	if (ev.next_key)
		keys += *ev.next_key;
	hdr.n_keys = (ev.cursor ? 1 : 0) + (ev.next_key ? 1 : 0);
	hdr.key_len = ev.cursor ? ev.cursor->size() : ev.next_key ? ev.next_key->size() : 0;
	std::memcpy(hdr.comm, ev.comm.data(), std::min(ev.comm.size(), sizeof(hdr.comm)));
	std::memcpy(hdr.map_name, ev.map_name.data(),
		    std::min(ev.map_name.size(), sizeof(hdr.map_name) - 1));
	std::string out(reinterpret_cast<const char *>(&hdr), sizeof(hdr));
	return out + keys;
}

} // namespace tmi
