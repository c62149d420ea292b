// Ring-buffer record decoding: sizes are checked, nothing is read past len.
#include <gtest/gtest.h>

#include <linux/types.h>

#include <cstring>

#include "trace/events.hpp"

extern "C" {
#include "trace_map_iter.h"
}

using namespace tmi;

TEST(Events, RoundTripGetNextKey)
{
	CallEvent ev;
	ev.ts_ns = 123456;
	ev.latency_ns = 789;
	ev.pid = 42;
	ev.tid = 43;
	ev.map_id = 7;
	ev.key_size = 5;
	ev.comm = "bpftool";
	ev.cursor = Bytes("\x01\x02\x03\x04\x05", 5);
	ev.next_key = Bytes("\x06\x07\x08\x09\x0a", 5);
	std::string raw = encode_event(ev);
	EXPECT_EQ(raw.size(), sizeof(tmi_event) + 10);
	auto got = decode_event(raw.data(), raw.size());
	ASSERT_TRUE(got);
	EXPECT_EQ(got->pid, 42u);
	EXPECT_EQ(got->tid, 43u);
	EXPECT_EQ(got->comm, "bpftool");
	EXPECT_EQ(got->cursor, ev.cursor);
	EXPECT_EQ(got->next_key, ev.next_key);
	EXPECT_FALSE(got->walk_start());
}

TEST(Events, NullCursorAndEnd)
{
	CallEvent ev;
	ev.ret = -2;
	std::string raw = encode_event(ev);
	auto got = decode_event(raw.data(), raw.size());
	ASSERT_TRUE(got);
	EXPECT_TRUE(got->walk_start());
	EXPECT_TRUE(got->at_end());
	EXPECT_FALSE(got->next_key);
}

TEST(Events, CursorIsLastFlag)
{
	CallEvent ev;
	ev.cursor_is_last = true;
	ev.next_key = Bytes(8, 'k');
	std::string raw = encode_event(ev);
	auto got = decode_event(raw.data(), raw.size());
	ASSERT_TRUE(got);
	EXPECT_TRUE(got->cursor_is_last);
	EXPECT_FALSE(got->cursor);
	EXPECT_FALSE(got->walk_start());
	EXPECT_EQ(got->next_key, ev.next_key);
}

TEST(Events, BatchCarriesCountAndStart)
{
	CallEvent ev;
	ev.cmd = Cmd::LookupBatch;
	ev.batch_start = true;
	ev.batch_count = 64;
	std::string raw = encode_event(ev);
	auto got = decode_event(raw.data(), raw.size());
	ASSERT_TRUE(got);
	EXPECT_TRUE(got->is_batch());
	EXPECT_TRUE(got->batch_start);
	EXPECT_EQ(got->batch_count, 64u);
}

TEST(Events, MalformedRecordsAreRejected)
{
	CallEvent ev;
	ev.cursor = Bytes(8, 'c');
	ev.next_key = Bytes(8, 'n');
	std::string raw = encode_event(ev);
	// Truncated anywhere: header or keys.
	for (size_t len : {size_t(0), sizeof(tmi_event) - 1, raw.size() - 1})
		EXPECT_FALSE(decode_event(raw.data(), len)) << len;
	// Unknown command.
	std::string bad = raw;
	reinterpret_cast<tmi_event *>(bad.data())->cmd = 99;
	EXPECT_FALSE(decode_event(bad.data(), bad.size()));
	// key_len beyond TMI_MAX_KEY.
	bad = raw;
	reinterpret_cast<tmi_event *>(bad.data())->key_len = TMI_MAX_KEY + 1;
	EXPECT_FALSE(decode_event(bad.data(), bad.size()));
	// More keys than a call can carry.
	bad = raw;
	reinterpret_cast<tmi_event *>(bad.data())->n_keys = 3;
	EXPECT_FALSE(decode_event(bad.data(), bad.size()));
}

// The map's name travels in the record; a full 16-byte field (no NUL) is
// read to its end, never past it.
TEST(Events, MapNameRoundTripsAndIsBounded)
{
	CallEvent ev;
	ev.map_name = "tmi_gone_soon";
	auto raw = encode_event(ev);
	auto got = decode_event(raw.data(), raw.size());
	ASSERT_TRUE(got);
	EXPECT_EQ(got->map_name, "tmi_gone_soon");

	tmi_event hdr{};
	hdr.cmd = TMI_CMD_GET_NEXT_KEY;
	hdr.ret = -2;
	hdr.flags = TMI_F_CURSOR_NULL;
	std::memset(hdr.map_name, 'x', sizeof(hdr.map_name));
	got = decode_event(&hdr, sizeof(hdr));
	ASSERT_TRUE(got);
	EXPECT_EQ(got->map_name, std::string(16, 'x'));
}
