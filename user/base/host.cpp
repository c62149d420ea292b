// host.cpp: see host.hpp.
#include "base/host.hpp"

#include <fmt/format.h>
#include <linux/capability.h>
#include <malloc.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.hpp"

namespace tmi {

static constexpr long kBpfFsMagic = 0xcafe4a11;
static constexpr const char *kTracefs = "/sys/kernel/tracing";

static bool exists(const std::string &path)
{
	struct stat st;
	return stat(path.c_str(), &st) == 0;
}

// CAP_PERFMON and CAP_BPF (38, 39) may be missing from older headers.
static constexpr int kCapPerfmon = 38, kCapBpf = 39, kCapSysAdmin = 21;

static bool has_cap(const __user_cap_data_struct (&data)[2], int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

bool can_trace()
{
	__user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[2]{};
	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return has_cap(data, kCapSysAdmin) || (has_cap(data, kCapBpf) && has_cap(data, kCapPerfmon));
}

void require_tracing_privileges()
{
	if (!can_trace())
		throw Error("can't trace: needs root or CAP_BPF and CAP_PERFMON");
}

std::string ensure_tracefs()
{
	require_tracing_privileges();
	std::string events = fmt::format("{}/events", kTracefs);
	if (exists(events))
		return events;
	if (mount("tracefs", kTracefs, "tracefs", 0, nullptr) && errno != EBUSY)
		throw sys_error(fmt::format("can't mount tracefs on {}", kTracefs), errno);
	if (!exists(events))
		throw Error(fmt::format("can't find {} after mounting tracefs", events));
	return events;
}

void ensure_bpffs()
{
	struct statfs st;
	if (statfs("/sys/fs/bpf", &st) == 0 && static_cast<long>(st.f_type) == kBpfFsMagic)
		return;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, nullptr))
		throw sys_error("can't mount bpffs on /sys/fs/bpf", errno);
}

bool tracepoint_exists(const std::string &category, const std::string &name)
{
	return exists(fmt::format("{}/events/{}/{}", kTracefs, category, name));
}

void return_freed_memory() { mallopt(M_MMAP_THRESHOLD, 256 * 1024); }

} // namespace tmi
