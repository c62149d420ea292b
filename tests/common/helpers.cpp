// helpers.cpp: see helpers.hpp.
#include "common/helpers.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "maps/key_iterator.hpp"

namespace tmi::testing {

std::string tool_path()
{
	const char *p = getenv("TMI_BIN");
	return p ? p : "build/trace-map-iter";
}

bool in_ci()
{
	const char *ci = getenv("CI");
	return ci && *ci && std::string(ci) != "false" && std::string(ci) != "0";
}

std::vector<std::string> hook_args()
{
	const char *h = getenv("TMI_HOOK");
	if (!h || !*h || std::string(h) == "default")
		return {};
	return {"--hook", h};
}

std::vector<std::string> tracer_argv(const std::vector<std::string> &args)
{
	std::vector<std::string> argv{tool_path()};
	argv.insert(argv.end(), args.begin(), args.end());
	for (auto &a : hook_args())
		argv.push_back(a);
	return argv;
}

UniqueFd create_map(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
		    uint32_t flags, const char *name)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	int fd = bpf_map_create(static_cast<bpf_map_type>(type), name, key_size, value_size,
				max_entries, &opts);
	if (fd < 0)
		throw std::runtime_error(std::string("bpf_map_create: ") + strerror(errno));
	return UniqueFd(fd);
}

uint32_t map_id(int fd)
{
	bpf_map_info info{};
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		throw std::runtime_error("bpf_obj_get_info_by_fd failed");
	return info.id;
}

Bytes make_key(uint64_t i, uint32_t key_size)
{
	Bytes k(key_size, '\0');
	for (uint32_t b = 0; b < key_size; b++)
		k[b] = b < 8 ? char((i >> (8 * b)) & 0xff) : char(0xa5 ^ b);
	return k;
}

void put(int fd, const Bytes &key, const Bytes &value)
{
	if (bpf_map_update_elem(fd, key.data(), value.data(), BPF_ANY))
		throw std::runtime_error(std::string("bpf_map_update_elem: ") + strerror(errno));
}

namespace {

// What KeyIterator needs of a map the test created: id, key size and the
// walk bound from max_entries.
MapInfo key_info(int fd, uint32_t key_size)
{
	bpf_map_info raw{};
	uint32_t len = sizeof(raw);
	if (bpf_obj_get_info_by_fd(fd, &raw, &len))
		throw std::runtime_error("bpf_obj_get_info_by_fd failed");
	MapInfo info;
	info.id = raw.id;
	info.key_size = key_size;
	info.max_entries = raw.max_entries;
	return info;
}

} // namespace

std::vector<Bytes> walk_keys(int fd, uint32_t key_size)
{
	std::vector<Bytes> order;
	MapInfo info = key_info(fd, key_size);
	KeyIterator it(fd, info, walk_bound(info));
	for (Bytes key; it.next(key);)
		order.push_back(key);
	if (it.error())
		throw std::runtime_error(it.error()->what());
	return order;
}

uint32_t lru_capacity(uint32_t n)
{
	int ncpu = libbpf_num_possible_cpus();
	return n + 2 * 128 * uint32_t(ncpu > 0 ? ncpu : 1);
}

UniqueFd filled_hash(uint32_t key_size, uint32_t value_size, uint32_t max_entries, uint64_t n,
		     uint32_t flags)
{
	UniqueFd fd = create_map(BPF_MAP_TYPE_HASH, key_size, value_size, max_entries, flags);
	for (uint64_t i = 0; i < n; i++)
		put(fd.get(), make_key(i, key_size), Bytes(value_size, 'v'));
	return fd;
}

std::vector<Bytes> walk_keys_deleting(int fd, uint32_t key_size, size_t delete_at)
{
	std::vector<Bytes> order;
	MapInfo info = key_info(fd, key_size);
	KeyIterator it(fd, info, walk_bound(info));
	for (Bytes key; it.next(key);) {
		order.push_back(key);
		// The iterator's cursor is this key: the next call restarts.
		if (order.size() == delete_at && bpf_map_delete_elem(fd, key.data()))
			throw std::runtime_error("delete failed");
	}
	if (it.error())
		throw std::runtime_error(it.error()->what());
	return order;
}

Child::Child(const std::vector<std::string> &argv)
{
	int out[2], err[2];
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		throw std::runtime_error("pipe failed");
	pid_ = fork();
	if (pid_ < 0)
		throw std::runtime_error("fork failed");
	if (pid_ == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		std::vector<char *> args;
		for (auto &a : argv)
			args.push_back(const_cast<char *>(a.c_str()));
		args.push_back(nullptr);
		execv(args[0], args.data());
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	out_fd_.reset(out[0]);
	err_fd_.reset(err[0]);
}

Child::~Child()
{
	if (status_ == -1 && pid_ > 0) {
		kill(pid_, SIGKILL);
		waitpid(pid_, nullptr, 0);
	}
}

void Child::pump(int timeout_ms)
{
	pollfd fds[2] = {{out_fd_.get(), POLLIN, 0}, {err_fd_.get(), POLLIN, 0}};
	int nfds = 0;
	pollfd *live[2];
	for (auto &f : fds)
		if (f.fd >= 0)
			live[nfds++] = &f;
	if (!nfds)
		return;
	pollfd set[2];
	for (int i = 0; i < nfds; i++)
		set[i] = *live[i];
	if (poll(set, nfds, timeout_ms) <= 0)
		return;
	for (int i = 0; i < nfds; i++) {
		if (!(set[i].revents & (POLLIN | POLLHUP)))
			continue;
		char buf[65536];
		ssize_t n = read(set[i].fd, buf, sizeof(buf));
		bool is_out = set[i].fd == out_fd_.get();
		if (n > 0)
			(is_out ? out_ : err_).append(buf, n);
		else
			(is_out ? out_fd_ : err_fd_).reset();
	}
}

bool Child::wait_for_stderr_line(const std::string &prefix, std::chrono::milliseconds timeout)
{
	return wait_for_line(err_, err_scanned_, prefix, timeout);
}

bool Child::wait_for_stdout_line(const std::string &prefix, std::chrono::milliseconds timeout)
{
	return wait_for_line(out_, out_scanned_, prefix, timeout);
}

bool Child::wait_for_line(const std::string &buf, size_t &scanned, const std::string &prefix,
			  std::chrono::milliseconds timeout)
{
	auto deadline = std::chrono::steady_clock::now() + timeout;
	while (std::chrono::steady_clock::now() < deadline) {
		size_t pos = scanned;
		while (true) {
			size_t nl = buf.find('\n', pos);
			if (nl == std::string::npos)
				break;
			if (buf.compare(pos, prefix.size(), prefix) == 0) {
				scanned = nl + 1;
				return true;
			}
			pos = nl + 1;
		}
		scanned = pos;
		if (!out_fd_.valid() && !err_fd_.valid())
			return false;
		pump(50);
	}
	return false;
}

void Child::signal(int sig) { kill(pid_, sig); }

int Child::wait(std::chrono::milliseconds timeout)
{
	auto deadline = std::chrono::steady_clock::now() + timeout;
	while (out_fd_.valid() || err_fd_.valid()) {
		if (std::chrono::steady_clock::now() > deadline) {
			kill(pid_, SIGKILL);
			deadline += std::chrono::hours(1);
		}
		pump(50);
	}
	int st = 0;
	waitpid(pid_, &st, 0);
	status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return status_;
}

RunResult run_tool(const std::vector<std::string> &args)
{
	std::vector<std::string> argv{tool_path()};
	argv.insert(argv.end(), args.begin(), args.end());
	Child c(argv);
	int code = c.wait();
	return {code, c.out(), c.err()};
}

std::vector<std::string> split_lines(const std::string &s)
{
	std::vector<std::string> lines;
	size_t pos = 0;
	while (pos < s.size()) {
		size_t nl = s.find('\n', pos);
		if (nl == std::string::npos)
			nl = s.size();
		lines.push_back(s.substr(pos, nl - pos));
		pos = nl + 1;
	}
	return lines;
}

} // namespace tmi::testing
