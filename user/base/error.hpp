// error.hpp: the one error type, and the documented exit codes.
// Contract: every failure is thrown as tmi::Error carrying a one-line
// message "<what was being done>: <why>" and the exit code main returns.
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tmi {

// Exit codes (README "Exit codes"). diff(1)-like: 1 means "differs".
enum ExitCode : int {
	kExitOk = 0,
	kExitDiffers = 1,   // diff found differences, --expect mismatch, audit violations
	kExitError = 2,     // bad usage or input, missing map, unsupported map, system failure
	kExitUnstable = 3,  // dump --consistent: the map never held still
};

class Error : public std::runtime_error {
public:
	explicit Error(const std::string &msg, int exit_code = kExitError)
		: std::runtime_error(msg), exit_code_(exit_code)
	{
	}
	int exit_code() const { return exit_code_; }

private:
	int exit_code_;
};

// strerror(err), but also for the kernel-internal errnos 512-531
// (include/linux/errno.h) that leak out of bpf(): strerror says "Unknown
// error 524" where the kernel meant ENOTSUPP. Sign ignored.
inline std::string errno_text(int err)
{
	if (err < 0)
		err = -err;
	static constexpr const char *kKernel[] = {
		"ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND",
		"ENOIOCTLCMD (no such ioctl command)", "ERESTART_RESTARTBLOCK",
		"EPROBE_DEFER (driver probe deferred)", "EOPENSTALE (stale open)",
		"ENOPARAM (no such parameter)", nullptr,
		"EBADHANDLE (illegal NFS file handle)", "ENOTSYNC (update synchronization mismatch)",
		"EBADCOOKIE (cookie is stale)",
		"ENOTSUPP (operation not supported by this kernel or map type)",
		"ETOOSMALL (buffer or request is too small)", "ESERVERFAULT (server fault)",
		"EBADTYPE (type not supported by server)", "EJUKEBOX (request initiated, but will not complete before timeout)",
		"EIOCBQUEUED (iocb queued)", "ERECALLCONFLICT (conflict with recalled state)",
		"ENOGRACE (NFS file lock reclaim refused)",
	};
	if (err >= 512 && err <= 531)
		return fmt::format("kernel error {} {}", err,
				   kKernel[err - 512] ? kKernel[err - 512] : "(unnamed)");
	return std::strerror(err);
}

// "<what>: <strerror(err)>"; libbpf returns -errno, so the sign is ignored.
inline Error sys_error(const std::string &what, int err)
{
	return Error(fmt::format("{}: {}", what, errno_text(err)));
}

} // namespace tmi
