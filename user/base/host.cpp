// host.cpp: see host.hpp.
#include "base/host.hpp"

#include <fmt/format.h>
#include <sys/mount.h>
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

std::string ensure_tracefs()
{
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

} // namespace tmi
