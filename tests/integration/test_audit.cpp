// audit against real maps and real traced walks; expected positions come
// from this test's own walks.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "common/helpers.hpp"
#include "common/root.hpp"

using namespace tmi;
using namespace tmi::testing;
using json = nlohmann::json;

namespace {

json audit_json(int fd, int expect_code)
{
	RunResult r = run_tool({"audit", "--map-id", std::to_string(map_id(fd)), "-j"});
	EXPECT_EQ(r.code, expect_code) << r.err;
	return json::parse(r.out);
}

} // namespace

TEST(Audit, LiveMapsGetTheirOrderClassAndNoViolations)
{
	TMI_REQUIRE_ROOT();
	UniqueFd zero = create_map(BPF_MAP_TYPE_HASH, 8, 8, 512, BPF_F_ZERO_SEED);
	UniqueFd rnd = create_map(BPF_MAP_TYPE_HASH, 5, 8, 512);
	UniqueFd arr = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 40);
	for (uint64_t i = 0; i < 300; i++) {
		put(zero.get(), make_key(i * 7, 8), Bytes(8, 'v'));
		put(rnd.get(), make_key(i * 7, 5), Bytes(8, 'v'));
	}
	json z = audit_json(zero.get(), 0);
	EXPECT_EQ(z["order_class"], "hash-zero-seed");
	EXPECT_EQ(z["keys"], 300);
	EXPECT_EQ(z["violations"], 0);
	json r = audit_json(rnd.get(), 0);
	EXPECT_EQ(r["order_class"], "hash-random-seed");
	EXPECT_EQ(r["violations"], 0);
	EXPECT_NE(r["advice"].get<std::string>().find("dump --digest"), std::string::npos);
	json a = audit_json(arr.get(), 0);
	EXPECT_EQ(a["order_class"], "array-index");
	EXPECT_EQ(a["keys"], 40);

	UniqueFd trie = create_map(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC);
	Bytes k(8, '\0');
	uint32_t plen = 24, addr = 0x0a0000;
	memcpy(k.data(), &plen, 4);
	memcpy(k.data() + 4, &addr, 4);
	put(trie.get(), k, Bytes(4, 'v'));
	EXPECT_EQ(audit_json(trie.get(), 0)["order_class"], "lpm-trie");
}

// A traced walk that restarted (its cursor key was deleted) breaks the model
// exactly where the kernel went back; a clean walk does not.
TEST(Audit, TracedWalksAreAuditedAndARestartIsAViolationWhereItHappened)
{
	TMI_REQUIRE_ROOT();
	UniqueFd m = filled_hash(8, 8, 1024, 200);
	uint32_t id = map_id(m.get());

	Child tracer(tracer_argv({"--map-id", std::to_string(id), "--order", "full", "-j"}));
	ASSERT_TRUE(tracer.wait_for_stderr_line("Tracing", std::chrono::seconds(30))) << tracer.err();
	walk_keys(m.get(), 8); // clean
	std::vector<Bytes> seen = walk_keys_deleting(m.get(), 8, 100);
	tracer.signal(SIGINT);
	ASSERT_EQ(tracer.wait(), 0);

	// Where this test saw the first repeated key.
	std::set<Bytes> uniq;
	size_t first_repeat = 0;
	for (size_t i = 0; i < seen.size(); i++)
		if (!uniq.insert(seen[i]).second) {
			first_repeat = i;
			break;
		}
	ASSERT_GT(first_repeat, 0u);

	std::string file = "/tmp/tmi_audit_" + std::to_string(getpid()) + ".jsonl";
	std::ofstream(file) << tracer.out();
	RunResult r = run_tool({"audit", "--traced", file, "-j"});
	EXPECT_EQ(r.code, 1) << r.err;
	auto lines = split_lines(r.out);
	ASSERT_EQ(lines.size(), 2u);
	json clean = json::parse(lines[0]), broken = json::parse(lines[1]);
	EXPECT_EQ(clean["violations"], 0);
	EXPECT_EQ(clean["keys"], 200); // the clean walk ran before the delete
	EXPECT_GT(broken["violations"].get<int>(), 0);
	EXPECT_EQ(broken["first_violations"][0]["position"], first_repeat);
	EXPECT_EQ(broken["order_class"], "hash-random-seed");
	unlink(file.c_str());

	std::string bad = "/tmp/tmi_audit_bad_" + std::to_string(getpid());
	std::ofstream(bad) << "{\"type\":\"summary\"}\n";
	EXPECT_EQ(run_tool({"audit", "--traced", bad}).code, 2);
	unlink(bad.c_str());
}
