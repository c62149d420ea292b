// input_file.cpp: see input_file.hpp.
#include "base/input_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.hpp"

namespace tmi {

namespace {

constexpr size_t kChunk = 1 << 20;

const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

} // namespace

void LineInput::fail(const std::string &why) const
{
	throw Error(fmt::format("reading {}: {}", name_, why));
}

void LineInput::fail_line(const std::string &why) const
{
	throw Error(fmt::format("reading {}: line {}: {}", name_, lineno_, why));
}

LineInput LineInput::open_file(const std::string &path, const InputLimits &limits)
{
	LineInput in;
	in.name_ = path;
	in.limits_ = limits;
	// O_NONBLOCK: opening a FIFO with no writer must not block; reads poll.
	in.fd_.reset(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
	if (!in.fd_.valid())
		throw sys_error(fmt::format("reading {}", path), errno);
	struct stat st;
	if (::fstat(in.fd_.get(), &st) != 0)
		throw sys_error(fmt::format("reading {}", path), errno);
	if (S_ISREG(st.st_mode)) {
		if (uint64_t(st.st_size) > limits.max_bytes)
			in.fail(fmt::format("{} bytes, more than the {}-byte limit for a dump file",
					    st.st_size, limits.max_bytes));
		in.size_ = st.st_size;
	} else if (S_ISFIFO(st.st_mode)) {
		in.pipe_ = true;
	} else {
		in.fail(fmt::format("{}, not a regular file or a pipe", kind_of(st.st_mode)));
	}
	return in;
}

LineInput LineInput::from_memory(std::string_view data, std::string name)
{
	LineInput in;
	in.name_ = std::move(name);
	in.buf_.assign(data);
	in.eof_ = true;
	in.size_ = data.size();
	in.read_ = data.size();
	return in;
}

bool LineInput::fill(size_t max_line)
{
	if (eof_)
		return false;
	if (pos_ > 0) { // keep the partial line at the front
		buf_.erase(0, pos_);
		scanned_ -= pos_;
		pos_ = 0;
	}
	size_t want = std::min(kChunk, max_line + 1 - std::min(buf_.size(), max_line));
	size_t old = buf_.size();
	buf_.resize(old + want);
	while (true) {
		if (pipe_) {
			struct pollfd p = {fd_.get(), POLLIN, 0};
			int r = ::poll(&p, 1, limits_.idle_timeout_ms);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				throw sys_error(fmt::format("reading {}", name_), errno);
			if (r == 0)
				fail(fmt::format("no data for {} s (a FIFO with no writer?)",
						 limits_.idle_timeout_ms / 1000.0));
		}
		ssize_t n = ::read(fd_.get(), buf_.data() + old, want);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			throw sys_error(fmt::format("reading {}", name_), errno);
		buf_.resize(old + n);
		read_ += n;
		if (read_ > limits_.max_bytes)
			fail(fmt::format("more than the {}-byte limit for a dump file", limits_.max_bytes));
		if (n == 0)
			eof_ = true;
		return n > 0;
	}
}

bool LineInput::next(std::string_view &line, size_t max_line)
{
	while (true) {
		size_t nl = buf_.find('\n', scanned_);
		if (nl != std::string::npos) {
			lineno_++;
			line = std::string_view(buf_).substr(pos_, nl - pos_);
			if (line.size() > max_line)
				fail_line(fmt::format("longer than the {}-byte line limit", max_line));
			consumed_ += nl + 1 - pos_;
			pos_ = scanned_ = nl + 1;
			return true;
		}
		scanned_ = buf_.size();
		if (buf_.size() - pos_ > max_line) {
			lineno_++;
			fail_line(fmt::format("longer than the {}-byte line limit", max_line));
		}
		if (!fill(max_line)) {
			if (pos_ == buf_.size())
				return false;
			lineno_++;
			fail_line("no newline at the end (truncated?)");
		}
	}
}

} // namespace tmi
