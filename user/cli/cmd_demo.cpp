// cmd_demo.cpp: `trace-map-iter demo [-j] [--entries N]`.
//
// Creates a demo hash map (the one map this tool ever writes: its own),
// traces it while a child process walks it twice the way bpftool does
// (get_next_key into the cursor's own buffer, then a lookup per key) and
// once with LOOKUP_BATCH, and prints the report. The map is freed on exit.
#include <bpf/bpf.h>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/error.hpp"
#include "base/output_file.hpp"
#include "cli/options.hpp"
#include "base/fd.hpp"
#include "maps/key_iterator.hpp"
#include "maps/maps.hpp"
#include "trace/trace_session.hpp"

namespace tmi {

namespace {

UniqueFd create_demo_map(uint32_t entries)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "tmi_demo", sizeof(uint32_t), sizeof(uint64_t),
				entries * 2, nullptr);
	if (fd < 0)
		throw sys_error("can't create the demo map", errno);
	UniqueFd map(fd);
	for (uint32_t k = 0; k < entries; k++) {
		uint64_t v = uint64_t(k) * k;
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
			throw sys_error("can't fill the demo map", errno);
	}
	return map;
}

// Runs in the child: what `bpftool map dump` does, then a batch read.
[[noreturn]] void walk_like_bpftool(int fd, const MapInfo &info, uint32_t entries)
{
	prctl(PR_SET_NAME, "tmi-demo-walker");
	for (int pass = 0; pass < 2; pass++) {
		KeyIterator it(fd, info, walk_bound(info));
		uint32_t key;
		uint64_t value;
		while (it.next(&key))
			bpf_map_lookup_elem(fd, &key, &value);
		if (it.error())
			_exit(1);
	}
	std::vector<uint32_t> keys(entries);
	std::vector<uint64_t> values(entries);
	uint32_t out_batch = 0, count;
	void *in = nullptr;
	do {
		count = 64;
		if (bpf_map_lookup_batch(fd, in, &out_batch, keys.data(), values.data(), &count,
					 nullptr))
			break;
		in = &out_batch;
	} while (true);
	_exit(0);
}

class DemoCommand {
public:
	explicit DemoCommand(const DemoOptions &o) : o_(o) {}

	int run()
	{
		UniqueFd map = create_demo_map(o_.entries);
		MapInfo info = map_info_of(map.get());
		auto out = o_.json ? make_json_output(stdout) : make_text_output(stdout, stderr);
		TraceConfig cfg;
		cfg.map_ids = {info.id};
		cfg.hook = *parse_hook_kind(o_.probe); // cli.cpp checked it
		TraceSession session(cfg, OrderMode::Fingerprint, *out,
				     {{info.id, {info.id, info.name, info.type}}});
		fmt::print(stderr, "Tracing map {} ({}, {} entries) while a child walks it...\n",
			   info.id, info.name, o_.entries);
		std::fflush(stderr);

		pid_t child = fork();
		if (child < 0)
			throw sys_error("can't fork the demo walker", errno);
		if (child == 0)
			walk_like_bpftool(map.get(), info, o_.entries);
		int status = 0;
		while (waitpid(child, &status, WNOHANG) == 0)
			session.poll(20);
		session.finish();
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			throw Error("demo walker failed");
		flush_stdout_checked();
		return kExitOk;
	}

private:
	const DemoOptions &o_;
};

} // namespace

int run_demo(const DemoOptions &o) { return DemoCommand(o).run(); }

} // namespace tmi
