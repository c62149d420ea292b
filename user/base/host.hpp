// host.hpp: making the host ready for tracing.
// Contract: ensure_tracefs()/ensure_bpffs() mount the filesystem when it is
// missing and throw tmi::Error when that is impossible; they never unmount.
// ensure_tracefs() first checks the privileges tracing needs, so a user
// without them is told what is missing, not that tracefs can't be mounted.
#pragma once

#include <string>

namespace tmi {

// True when the process has CAP_SYS_ADMIN, or both CAP_BPF and CAP_PERFMON
// (effective set).
bool can_trace();
// Throws "can't trace: needs root or CAP_BPF and CAP_PERFMON" unless can_trace().
void require_tracing_privileges();
// Checks privileges, then mounts tracefs at /sys/kernel/tracing if needed;
// returns the events dir.
std::string ensure_tracefs();
void ensure_bpffs();
bool tracepoint_exists(const std::string &category, const std::string &name);
// Blocks of 256 KiB and more are always mmapped, so memory a walk of a big
// map held goes back to the system when the walk ends. glibc's default
// raises that threshold after the first such free, and the heap then keeps
// the high-water mark: a daemon tracing many walks would grow in steps.
void return_freed_memory();

} // namespace tmi
