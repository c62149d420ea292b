// input_file.hpp: bounded, line-oriented reading of files the user names
// (dump files, traced JSON-lines files).
//
// A regular file is stat'ed first and refused when larger than max_bytes,
// before anything is read. Pipes and FIFOs (`<(ssh node dump)`) are read
// with an idle timeout: no byte for idle_timeout_ms is an error, so a FIFO
// with no writer never blocks forever. Devices, directories and sockets are
// refused at once (`/dev/zero` never streams). A line longer than the
// caller's limit is refused as soon as that many bytes are buffered, so
// memory stays bounded by the line limit whatever the input.
// Contract: every failure throws tmi::Error "reading NAME: ..." (exit 2),
// naming the line where there is one. The view next() returns is valid
// until the next call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/fd.hpp"

namespace tmi {

struct InputLimits {
	uint64_t max_bytes = uint64_t(64) << 30; // whole input
	int idle_timeout_ms = 10000;             // pipes and FIFOs
};

class LineInput {
public:
	static LineInput open_file(const std::string &path, const InputLimits &limits = {});
	// For tests and fuzzing: `data` is copied.
	static LineInput from_memory(std::string_view data, std::string name);

	// The next line without its '\n'; false at the end. Throws when the line
	// is longer than max_line bytes or the input ends without a '\n'.
	bool next(std::string_view &line, size_t max_line);
	// The line number of the line next() returned last (1-based).
	size_t line_number() const { return lineno_; }
	const std::string &name() const { return name_; }
	// Size of a regular file (nullopt for pipes); bytes consumed so far.
	std::optional<uint64_t> file_size() const { return size_; }
	uint64_t consumed() const { return consumed_; }

	[[noreturn]] void fail(const std::string &why) const;
	[[noreturn]] void fail_line(const std::string &why) const;

private:
	LineInput() = default;
	bool fill(size_t max_line); // false at end of input

	std::string name_;
	UniqueFd fd_;
	bool pipe_ = false, eof_ = false;
	InputLimits limits_;
	std::string buf_;
	size_t pos_ = 0, scanned_ = 0;
	size_t lineno_ = 0;
	uint64_t read_ = 0, consumed_ = 0;
	std::optional<uint64_t> size_;
};

} // namespace tmi
