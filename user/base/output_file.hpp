// output_file.hpp: the one way a command writes a file (`dump -o`,
// `buckets --svg`, `trace -o`), and a checked end for standard output.
//
// A regular file (or a path that does not exist yet) is written to a
// temporary made with mkstemp (O_EXCL: never through a symlink or a file
// someone else made) in the target's directory, then renamed over the
// target: a reader sees the old file or the whole new one. The rename is
// atomic, not durable: like bpftool, sort -o and cp, nothing is fsync'd
// unless open() is asked to (`dump --fsync`): the fsync of a 1M-entry
// dump's 70 MB adds about a third to its time. The
// target's mode (and owner, when we may) is kept; a new file gets 0644
// under the umask. rename() happens only over a regular file or nothing.
// Devices, FIFOs, sockets and "-" (stdout) are written directly, never
// replaced. A symlink is followed only to a device, FIFO or socket
// (`-o /dev/stdout`); a symlink to anything else is refused.
// Contract: every write is checked; commit() throws tmi::Error (exit 2) on
// any failure (ENOSPC from /dev/full included). Destroying an OutputFile
// that was not committed removes its temporary and leaves the target alone.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace tmi {

class OutputFile {
public:
	// "-" is standard output (not owned, never closed). `fsync`: the
	// temporary is fsync'd before the rename (regular files only).
	static OutputFile open(const std::string &path, bool fsync = false);
	OutputFile(OutputFile &&o) noexcept;
	OutputFile &operator=(OutputFile &&) = delete;
	OutputFile(const OutputFile &) = delete;
	~OutputFile();

	FILE *stream() const { return out_; }
	// fflush + ferror, fsync (if asked), fclose, rename; throws on failure.
	void commit();

private:
	OutputFile() = default;
	void discard() noexcept;

	std::string path_, tmp_; // tmp_ empty: written directly
	FILE *out_ = nullptr;
	bool owned_ = false, done_ = false, fsync_ = false;
};

// Writes `data` to `path` through an OutputFile; throws tmi::Error.
void write_whole_file(const std::string &path, std::string_view data);

// Flushes stdout and checks it never failed (a full disk, /dev/full, a
// closed pipe): throws tmi::Error "can't write standard output: ..." (exit 2).
// Commands that print call it last.
void flush_stdout_checked();

} // namespace tmi
