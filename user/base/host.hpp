// host.hpp: making the host ready for tracing.
// Contract: ensure_tracefs()/ensure_bpffs() mount the filesystem when it is
// missing and throw tmi::Error when that is impossible; they never unmount.
#pragma once

#include <string>

namespace tmi {

// Mounts tracefs at /sys/kernel/tracing if needed; returns the events dir.
std::string ensure_tracefs();
void ensure_bpffs();
bool tracepoint_exists(const std::string &category, const std::string &name);

} // namespace tmi
