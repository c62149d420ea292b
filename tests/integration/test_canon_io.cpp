// dump/diff/buckets/audit/trace against hostile inputs and outputs (issue
// 10, items 1, 3, 4, 5) and the structured `formatted` rendering (issue 12,
// item 3). The tool runs as a child; expectations come from this test's own
// maps, files and readings.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/helpers.hpp"
#include "common/root.hpp"

using namespace tmi;
using namespace tmi::testing;
using json = nlohmann::json;

namespace {

std::string id_of(int fd) { return std::to_string(map_id(fd)); }

std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	return std::string((std::istreambuf_iterator<char>(f)), {});
}

void spit(const std::string &path, const std::string &s)
{
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	f << s;
}

// A scratch directory removed with its contents at the end of the test.
struct TempDir {
	std::string path;
	TempDir()
	{
		char t[] = "/tmp/tmi_canon_io_XXXXXX";
		path = mkdtemp(t);
	}
	~TempDir() { std::system(("rm -rf " + path).c_str()); }
	std::vector<std::string> entries() const
	{
		std::vector<std::string> out;
		DIR *d = opendir(path.c_str());
		while (auto *e = readdir(d))
			if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
				out.push_back(e->d_name);
		closedir(d);
		return out;
	}
};

UniqueFd small_map()
{
	UniqueFd m = create_map(BPF_MAP_TYPE_HASH, 4, 8, 64);
	for (uint32_t i = 1; i <= 3; i++)
		put(m.get(), make_key(i, 4), Bytes(8, char(i)));
	return m;
}

// Runs `sh -c CMD`; the exit code.
int shell(const std::string &cmd)
{
	Child c({"/bin/sh", "-c", cmd});
	return c.wait();
}

double seconds_since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

// ---- item 1: output files ---------------------------------------------

TEST(OutputFile, DevicesAndStdoutAreWrittenDirectlyNeverReplaced)
{
	TMI_REQUIRE_ROOT();
	UniqueFd m = small_map();
	std::string want = run_tool({"dump", "--map-id", id_of(m.get())}).out;
	ASSERT_FALSE(want.empty());

	RunResult full = run_tool({"dump", "--map-id", id_of(m.get()), "-o", "/dev/full"});
	EXPECT_EQ(full.code, 2) << full.err;
	EXPECT_EQ(full.err.rfind("error: can't write", 0), 0u) << full.err;
	EXPECT_NE(full.err.find("No space left on device"), std::string::npos) << full.err;
	struct stat st;
	ASSERT_EQ(stat("/dev/full", &st), 0);
	EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/full was replaced";

	RunResult out = run_tool({"dump", "--map-id", id_of(m.get()), "-o", "/dev/stdout"});
	EXPECT_EQ(out.code, 0) << out.err;
	EXPECT_EQ(out.out, want);
	ASSERT_EQ(lstat("/dev/stdout", &st), 0);
	EXPECT_TRUE(S_ISLNK(st.st_mode)) << "/dev/stdout was replaced";

	RunResult dash = run_tool({"dump", "--map-id", id_of(m.get()), "-o", "-"});
	EXPECT_EQ(dash.code, 0);
	EXPECT_EQ(dash.out, want);
}

TEST(OutputFile, ASymlinkAtThePredictableTemporaryIsNeverFollowed)
{
	TMI_REQUIRE_ROOT();
	TempDir d;
	UniqueFd m = small_map();
	std::string target = d.path + "/x.jsonl", victim = d.path + "/victim";
	spit(victim, "precious\n");
	ASSERT_EQ(symlink(victim.c_str(), (target + ".tmp").c_str()), 0);
	RunResult r = run_tool({"dump", "--map-id", id_of(m.get()), "-o", target});
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_EQ(slurp(victim), "precious\n");
	EXPECT_EQ(slurp(target), run_tool({"dump", "--map-id", id_of(m.get())}).out);
	// Nothing left behind but the three names.
	EXPECT_EQ(d.entries().size(), 3u);
}

TEST(OutputFile, ModesAreKeptAndSymlinksToFilesAndDirectoriesRefused)
{
	TMI_REQUIRE_ROOT();
	TempDir d;
	UniqueFd m = small_map();
	mode_t old = umask(022);
	std::string secret = d.path + "/secret.jsonl", fresh = d.path + "/new.jsonl";
	spit(secret, "old\n");
	chmod(secret.c_str(), 0600);
	EXPECT_EQ(run_tool({"dump", "--map-id", id_of(m.get()), "-o", secret}).code, 0);
	EXPECT_EQ(run_tool({"dump", "--map-id", id_of(m.get()), "-o", fresh}).code, 0);
	umask(old);
	struct stat st;
	ASSERT_EQ(stat(secret.c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0600u);
	EXPECT_NE(slurp(secret), "old\n");
	ASSERT_EQ(stat(fresh.c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0644u);

	std::string link = d.path + "/link.jsonl", other = d.path + "/other";
	spit(other, "keep\n");
	ASSERT_EQ(symlink(other.c_str(), link.c_str()), 0);
	RunResult r = run_tool({"dump", "--map-id", id_of(m.get()), "-o", link});
	EXPECT_EQ(r.code, 2);
	EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
	EXPECT_EQ(slurp(other), "keep\n");
	RunResult dir = run_tool({"dump", "--map-id", id_of(m.get()), "-o", d.path});
	EXPECT_EQ(dir.code, 2);
	EXPECT_NE(dir.err.find("is a directory"), std::string::npos) << dir.err;
}

// The rename is atomic but not durable unless asked: the system calls, as
// strace sees them, show fsync on the temporary only with --fsync, and the
// bytes are the same either way. --fsync without -o is a usage error.
TEST(OutputFile, FsyncOnlyWithTheFlagAndTheSameBytes)
{
	TMI_REQUIRE_ROOT();
	TempDir d;
	UniqueFd m = filled_hash(8, 16, 4096, 3000);
	auto traced = [&](const std::string &out, bool fsync) {
		std::string log = out + ".strace";
		std::vector<std::string> argv{"/usr/bin/strace", "-f", "-qq", "-e", "trace=fsync,fdatasync,rename",
					      "-o", log};
		// A sanitized build (make test-asan): LeakSanitizer can't run
		// under ptrace, and says so as a sanitizer report.
		if (const char *asan = getenv("ASAN_OPTIONS")) {
			argv.push_back("-E");
			argv.push_back(fmt::format("ASAN_OPTIONS={}:detect_leaks=0", asan));
		}
		argv.insert(argv.end(), {tool_path(), "dump", "--map-id", id_of(m.get()), "-o", out});
		if (fsync)
			argv.push_back("--fsync");
		Child c(argv);
		EXPECT_EQ(c.wait(), 0) << c.err();
		std::string calls = slurp(log);
		unlink(log.c_str());
		return calls;
	};
	std::string plain = d.path + "/plain.jsonl", durable = d.path + "/durable.jsonl";
	std::string without = traced(plain, false), with = traced(durable, true);
	EXPECT_EQ(without.find("fsync("), std::string::npos) << without;
	EXPECT_NE(without.find("rename("), std::string::npos) << without;
	// fsync of the temporary, then its rename onto the target.
	size_t f = with.find("fsync("), r = with.find("rename(");
	ASSERT_NE(f, std::string::npos) << with;
	ASSERT_NE(r, std::string::npos) << with;
	EXPECT_LT(f, r) << with;
	EXPECT_NE(with.find("durable.jsonl\")"), std::string::npos) << with;
	std::string bytes = slurp(plain);
	EXPECT_EQ(split_lines(bytes).size(), 3001u);
	EXPECT_EQ(slurp(durable), bytes);
	EXPECT_EQ(run_tool({"dump", "--map-id", id_of(m.get())}).out, bytes);

	RunResult no_file = run_tool({"dump", "--map-id", id_of(m.get()), "--fsync"});
	EXPECT_EQ(no_file.code, 2) << no_file.err;
	EXPECT_NE(no_file.err.find("--fsync requires --output"), std::string::npos) << no_file.err;
}

TEST(OutputFile, BucketsSvgGoesThroughTheSameSafeWriter)
{
	TMI_REQUIRE_ROOT();
	TempDir d;
	UniqueFd m = small_map();
	std::string svg = d.path + "/strip.svg", victim = d.path + "/victim";
	spit(victim, "precious\n");
	ASSERT_EQ(symlink(victim.c_str(), svg.c_str()), 0);
	RunResult r = run_tool({"buckets", "--map-id", id_of(m.get()), "--svg", svg});
	EXPECT_EQ(r.code, 2) << r.err;
	EXPECT_EQ(slurp(victim), "precious\n");
	RunResult full = run_tool({"buckets", "--map-id", id_of(m.get()), "--svg", "/dev/full"});
	EXPECT_EQ(full.code, 2) << full.err;
}

// ---- item 5: failed writes exit 2 -------------------------------------

TEST(WriteErrors, StdoutOnAFullDeviceExitsTwo)
{
	TMI_REQUIRE_ROOT();
	UniqueFd m = small_map();
	std::string tool = tool_path(), id = id_of(m.get());
	EXPECT_EQ(shell(tool + " dump --map-id " + id + " --digest > /dev/full"), 2);
	EXPECT_EQ(shell(tool + " dump --map-id " + id + " > /dev/full"), 2);
	EXPECT_EQ(shell(tool + " dump --map-id " + id + " --format table > /dev/full"), 2);
	UniqueFd other = small_map();
	put(other.get(), make_key(9, 4), Bytes(8, 'x'));
	// diff found a difference but could not say so: trouble, not "differs".
	EXPECT_EQ(shell(tool + " diff id:" + id + " id:" + id_of(other.get()) + " > /dev/full"), 2);
	EXPECT_EQ(shell(tool + " diff id:" + id + " id:" + id_of(other.get()) + " > /dev/null"), 1);
}

// ---- item 3: a pinned program is not a map ----------------------------

TEST(Pinned, AProgramIsRefusedAsNotABpfMapByEveryCommand)
{
	TMI_REQUIRE_ROOT();
	struct bpf_insn insns[] = {
		{BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
		{BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
	};
	int prog = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "tmi_notmap", "GPL", insns, 2, nullptr);
	ASSERT_GE(prog, 0) << strerror(errno);
	UniqueFd prog_fd(prog);
	std::string pin = "/sys/fs/bpf/tmi_test_prog_" + std::to_string(getpid());
	unlink(pin.c_str());
	ASSERT_EQ(bpf_obj_pin(prog, pin.c_str()), 0) << strerror(errno);
	std::vector<std::vector<std::string>> cmds = {
		{"dump", "--pinned", pin},
		{"buckets", "--pinned", pin},
		{"audit", "--pinned", pin},
		{"--pinned", pin, "-d", "1"},
		{"diff", "pinned:" + pin, "pinned:" + pin},
	};
	for (auto &c : cmds) {
		RunResult r = run_tool(c);
		EXPECT_EQ(r.code, 2) << c[0] << ": " << r.err;
		EXPECT_EQ(split_lines(r.err).size(), 1u) << c[0] << ": " << r.err;
		EXPECT_NE(r.err.find("not a BPF map (a BPF program)"), std::string::npos) << c[0] << ": " << r.err;
	}
	unlink(pin.c_str());
}

// ---- item 4: bounded, strict readers ----------------------------------

TEST(DumpFileReader, DevicesFifosAndHugeSparseFilesAreRefusedQuickly)
{
	TMI_REQUIRE_ROOT();
	TempDir d;
	UniqueFd m = small_map();
	std::string good = d.path + "/good.jsonl";
	ASSERT_EQ(run_tool({"dump", "--map-id", id_of(m.get()), "-o", good}).code, 0);

	auto t0 = std::chrono::steady_clock::now();
	RunResult zero = run_tool({"diff", good, "/dev/zero"});
	EXPECT_EQ(zero.code, 2);
	EXPECT_EQ(zero.err, "error: reading /dev/zero: a character device, not a regular file or a pipe\n");
	EXPECT_LT(seconds_since(t0), 2.0);

	std::string sparse = d.path + "/sparse.jsonl";
	{
		UniqueFd f(open(sparse.c_str(), O_CREAT | O_WRONLY, 0600));
		ASSERT_EQ(ftruncate(f.get(), off_t(2) << 30), 0);
	}
	t0 = std::chrono::steady_clock::now();
	RunResult big = run_tool({"diff", sparse, good});
	EXPECT_EQ(big.code, 2);
	EXPECT_NE(big.err.find("line 1: longer than the 4096-byte line limit"), std::string::npos) << big.err;
	EXPECT_LT(seconds_since(t0), 2.0);

	std::string fifo = d.path + "/fifo";
	ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
	t0 = std::chrono::steady_clock::now();
	RunResult nowriter = run_tool({"diff", fifo, good});
	double took = seconds_since(t0);
	EXPECT_EQ(nowriter.code, 2);
	EXPECT_NE(nowriter.err.find("no data for 10 s"), std::string::npos) << nowriter.err;
	EXPECT_GT(took, 9.0);
	EXPECT_LT(took, 20.0);

	// A pipe that does deliver a dump is read: process substitution works.
	int rc = shell("cat " + good + " | " + tool_path() + " diff /dev/stdin " + good + " 2>/dev/null");
	EXPECT_EQ(rc, 0);
}

TEST(DumpFileReader, EveryForbiddenSpellingIsRefusedNamingLineAndField)
{
	TMI_REQUIRE_ROOT();
	TempDir d;
	UniqueFd m = small_map();
	std::string good_text = run_tool({"dump", "--map-id", id_of(m.get())}).out;
	auto lines = split_lines(good_text);
	ASSERT_EQ(lines.size(), 4u);
	std::string good = d.path + "/good.jsonl";
	spit(good, good_text);
	auto join = [](std::vector<std::string> ls, const std::string &eol = "\n") {
		std::string s;
		for (auto &l : ls)
			s += l + eol;
		return s;
	};
	auto replaced = [&](size_t line, const std::string &from, const std::string &to) {
		auto ls = lines;
		size_t at = ls[line].find(from);
		EXPECT_NE(at, std::string::npos) << from;
		ls[line].replace(at, from.size(), to);
		return join(ls);
	};
	std::string val3 = json::parse(lines[2])["value"];
	std::string upper_val = val3;
	upper_val[0] = 'A';
	struct Case {
		std::string text, want;
	} cases[] = {
		{replaced(2, val3, upper_val), "line 3: field \"value\": uppercase hex"},
		{join(lines, "\r\n"), "line 1: CRLF line end"},
		{"\xEF\xBB\xBF" + good_text, "line 1: a byte-order mark"},
		{replaced(2, "\"key\":", "\"key\": "), "line 3: a space at column 8"},
		{replaced(2, "\"}", "\",\"extra\":1}"), "line 3: field \"extra\": unexpected field"},
		{replaced(0, "\"entries\":3", "\"entries\":3.0"), "line 1: field \"entries\": not an integer"},
		{replaced(0, "\"key_size\":4", "\"key_size\":4294967304"),
		 "line 1: field \"key_size\": 4294967304 is out of range"},
		{replaced(0, "\"entries\":3", "\"entries\":3,\"node\":\"a\""), "line 1: field \"node\": unknown field"},
		{replaced(0, "\"entries\":3", "\"entries\": 3"), "line 1: header not in canonical form"},
	};
	int i = 0;
	for (auto &c : cases) {
		std::string f = d.path + "/bad" + std::to_string(i++) + ".jsonl";
		spit(f, c.text);
		RunResult r = run_tool({"diff", f, good});
		EXPECT_EQ(r.code, 2) << c.want;
		EXPECT_EQ(r.err.rfind("error: reading " + f + ": ", 0), 0u) << r.err;
		EXPECT_NE(r.err.find(c.want), std::string::npos) << "got: " << r.err << "want: " << c.want;
		EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
	}
}

// ---- issue 12 item 3: structured typed dumps --------------------------

namespace {

// value: struct rec { u32 id; char name[8]; enum proto { TCP = 6, UDP = 17 } p;
//                     u16 ports[2]; u32 lo:4, hi:4; u64 bytes; }  (32 bytes, padding after `hi`)
struct RecMap {
	UniqueFd btf_fd, map;
	RecMap()
	{
		struct btf *b = btf__new_empty();
		int u16 = btf__add_int(b, "unsigned short", 2, 0);
		int u32 = btf__add_int(b, "unsigned int", 4, 0);
		int u64 = btf__add_int(b, "unsigned long long", 8, 0);
		int chr = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
		int name = btf__add_array(b, u32, chr, 8);
		int ports = btf__add_array(b, u32, u16, 2);
		int proto = btf__add_enum(b, "proto", 4);
		btf__add_enum_value(b, "TCP", 6);
		btf__add_enum_value(b, "UDP", 17);
		int rec = btf__add_struct(b, "rec", 40);
		btf__add_field(b, "id", u32, 0, 0);
		btf__add_field(b, "name", name, 32, 0);
		btf__add_field(b, "p", proto, 96, 0);
		btf__add_field(b, "ports", ports, 128, 0);
		btf__add_field(b, "lo", u32, 160, 4);
		btf__add_field(b, "hi", u32, 164, 4);
		btf__add_field(b, "bytes", u64, 256, 0);
		if (btf__load_into_kernel(b))
			throw std::runtime_error("btf load failed");
		btf_fd.reset(dup(btf__fd(b)));
		btf__free(b);
		LIBBPF_OPTS(bpf_map_create_opts, opts, .btf_fd = uint32_t(btf_fd.get()),
			    .btf_key_type_id = uint32_t(u32), .btf_value_type_id = uint32_t(rec));
		int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "tmi_rec", 4, 40, 64, &opts);
		if (fd < 0)
			throw std::runtime_error("btf map create failed");
		map.reset(fd);
	}
	void insert(uint32_t key, uint32_t id, const char *name, uint32_t p, uint16_t p0, uint16_t p1,
		    unsigned lo, unsigned hi, uint64_t bytes, char junk)
	{
		std::string v(40, junk); // junk in the padding: must not show anywhere
		std::memcpy(&v[0], &id, 4);
		std::memset(&v[4], 0, 8);
		std::memcpy(&v[4], name, std::strlen(name));
		std::memcpy(&v[12], &p, 4);
		std::memcpy(&v[16], &p0, 2);
		std::memcpy(&v[18], &p1, 2);
		v[20] = char(lo | hi << 4);
		std::memcpy(&v[32], &bytes, 8);
		put(map.get(), Bytes(reinterpret_cast<char *>(&key), 4), v);
	}
};

std::string jq(const std::string &filter, const std::string &file)
{
	Child c({"/usr/bin/jq", "-c", filter, file});
	EXPECT_EQ(c.wait(), 0) << c.err();
	return c.out();
}

} // namespace

TEST(Formatted, JqPathsOnABtfMapsDumpGiveTheInsertedValues)
{
	TMI_REQUIRE_ROOT();
	ASSERT_EQ(access("/usr/bin/jq", X_OK), 0) << "jq is needed (scripts/install-deps.sh)";
	TempDir d;
	RecMap a;
	a.insert(7, 1001, "eth0", 6, 80, 443, 3, 12, 123456789012ull, '\xaa');
	a.insert(2, 1002, "lo", 17, 53, 0, 15, 0, 5, '\x55');
	a.insert(9, 1003, "x\x01y", 99, 1, 2, 0, 1, 0, '\x11'); // control byte: not a string; 99: no enumerator
	std::string file = d.path + "/rec.jsonl";
	RunResult r = run_tool({"dump", "--map-id", id_of(a.map.get()), "-o", file});
	ASSERT_EQ(r.code, 0) << r.err;
	// Entries are in key order: 2, 7, 9.
	EXPECT_EQ(jq(".formatted.key", file), "null\n2\n7\n9\n");
	EXPECT_EQ(jq("select(.formatted.key == 7) | .formatted.value.name", file), "\"eth0\"\n");
	EXPECT_EQ(jq("select(.formatted.key == 7) | .formatted.value.ports[1]", file), "443\n");
	EXPECT_EQ(jq("select(.formatted.key == 7) | .formatted.value.p", file), "\"TCP\"\n");
	EXPECT_EQ(jq("select(.formatted.key == 2) | .formatted.value.p", file), "\"UDP\"\n");
	EXPECT_EQ(jq("select(.formatted.key == 7) | [.formatted.value.lo, .formatted.value.hi]", file), "[3,12]\n");
	EXPECT_EQ(jq("select(.formatted.key == 7) | .formatted.value.bytes", file), "123456789012\n");
	EXPECT_EQ(jq("select(.formatted.key == 9) | .formatted.value.name", file), "[120,1,121,0,0,0,0,0]\n");
	EXPECT_EQ(jq("select(.formatted.key == 9) | .formatted.value.p", file), "99\n");

	// The digest covers key||value bytes only: the same as --raw (no typed
	// fields) and as a map with the same entries but other padding junk.
	RecMap b;
	b.insert(7, 1001, "eth0", 6, 80, 443, 3, 12, 123456789012ull, '\x01');
	b.insert(2, 1002, "lo", 17, 53, 0, 15, 0, 5, '\x02');
	b.insert(9, 1003, "x\x01y", 99, 1, 2, 0, 1, 0, '\x03');
	std::string sha = run_tool({"dump", "--map-id", id_of(a.map.get()), "--digest"}).out;
	EXPECT_EQ(run_tool({"dump", "--map-id", id_of(a.map.get()), "--raw", "--digest"}).out, sha);
	EXPECT_EQ(run_tool({"dump", "--map-id", id_of(b.map.get()), "--digest"}).out, sha);
	EXPECT_EQ(jq("select(.format) | .sha256", file), "\"" + sha.substr(0, 64) + "\"\n");
	RunResult raw = run_tool({"dump", "--map-id", id_of(a.map.get()), "--raw"});
	EXPECT_EQ(raw.out.find("formatted"), std::string::npos);

	// diff -j carries `formatted` for both dump files and live maps.
	b.insert(7, 1001, "eth1", 6, 80, 8443, 3, 12, 1, '\x01');
	RunResult diff = run_tool({"diff", file, "id:" + id_of(b.map.get()), "-j"});
	EXPECT_EQ(diff.code, 1) << diff.err;
	auto dl = split_lines(diff.out);
	ASSERT_EQ(dl.size(), 1u) << diff.out;
	json j = json::parse(dl[0]);
	EXPECT_EQ(j["op"], "~");
	EXPECT_EQ(j["formatted"]["key"], 7);
	EXPECT_EQ(j["formatted"]["a"]["name"], "eth0");
	EXPECT_EQ(j["formatted"]["b"]["name"], "eth1");
	EXPECT_EQ(j["formatted"]["b"]["ports"][1], 8443);
	// The dump file parses back (strict parser) with identical digest.
	EXPECT_EQ(run_tool({"diff", file, "id:" + id_of(a.map.get())}).code, 0);
}

TEST(Formatted, PerCpuValuesAreOneObjectPerCpu)
{
	TMI_REQUIRE_ROOT();
	struct btf *b = btf__new_empty();
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int u64 = btf__add_int(b, "unsigned long long", 8, 0);
	ASSERT_EQ(btf__load_into_kernel(b), 0);
	UniqueFd btf_fd(dup(btf__fd(b)));
	btf__free(b);
	LIBBPF_OPTS(bpf_map_create_opts, opts, .btf_fd = uint32_t(btf_fd.get()),
		    .btf_key_type_id = uint32_t(u32), .btf_value_type_id = uint32_t(u64));
	int fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "tmi_pcfmt", 4, 8, 8, &opts);
	ASSERT_GE(fd, 0) << strerror(errno);
	UniqueFd m(fd);
	int ncpu = libbpf_num_possible_cpus();
	std::vector<uint64_t> vals(ncpu);
	for (int c = 0; c < ncpu; c++)
		vals[c] = 1000 + c;
	uint32_t key = 5;
	ASSERT_EQ(bpf_map_update_elem(fd, &key, vals.data(), BPF_ANY), 0);
	RunResult r = run_tool({"dump", "--map-id", id_of(fd)});
	ASSERT_EQ(r.code, 0) << r.err;
	auto lines = split_lines(r.out);
	ASSERT_EQ(lines.size(), 2u);
	json e = json::parse(lines[1]);
	EXPECT_EQ(e["formatted"]["key"], 5);
	ASSERT_EQ(e["formatted"]["values"].size(), size_t(ncpu));
	for (int c = 0; c < ncpu; c++) {
		EXPECT_EQ(e["formatted"]["values"][c]["cpu"], c);
		EXPECT_EQ(e["formatted"]["values"][c]["value"], 1000 + c);
	}
}
