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

// "<what>: <strerror(err)>"; libbpf returns -errno, so the sign is ignored.
inline Error sys_error(const std::string &what, int err)
{
	if (err < 0)
		err = -err;
	return Error(fmt::format("{}: {}", what, std::strerror(err)));
}

} // namespace tmi
