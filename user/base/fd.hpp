// fd.hpp: a move-only owner of one file descriptor.
// Contract: a UniqueFd closes its fd exactly once, on destruction or reset();
// functions that take a plain `int fd` borrow it and never close it.
#pragma once

#include <unistd.h>

#include <utility>

namespace tmi {

class UniqueFd {
public:
	UniqueFd() = default;
	explicit UniqueFd(int fd) : fd_(fd) {}
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;
	UniqueFd(UniqueFd &&o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
	UniqueFd &operator=(UniqueFd &&o) noexcept
	{
		if (this != &o)
			reset(std::exchange(o.fd_, -1));
		return *this;
	}
	~UniqueFd() { reset(); }

	int get() const { return fd_; }
	// Gives up ownership (e.g. to fdopen); the caller closes it.
	int release() { return std::exchange(fd_, -1); }
	bool valid() const { return fd_ >= 0; }
	void reset(int fd = -1)
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = fd;
	}

private:
	int fd_ = -1;
};

} // namespace tmi
