// output_file.cpp: see output_file.hpp.
#include "base/output_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "base/error.hpp"
#include "base/fd.hpp"

namespace tmi {

namespace {

mode_t new_file_mode()
{
	mode_t mask = ::umask(0);
	::umask(mask);
	return 0644 & ~mask;
}

std::string dir_of(const std::string &path)
{
	auto slash = path.rfind('/');
	if (slash == std::string::npos)
		return ".";
	return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string &path)
{
	auto slash = path.rfind('/');
	return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool written_directly(mode_t m) { return S_ISCHR(m) || S_ISBLK(m) || S_ISFIFO(m) || S_ISSOCK(m); }

FILE *fdopen_or_throw(UniqueFd fd, const std::string &path)
{
	FILE *f = ::fdopen(fd.get(), "w");
	if (!f)
		throw sys_error(fmt::format("can't write {}", path), errno);
	(void)fd.release();
	return f;
}

} // namespace

OutputFile OutputFile::open(const std::string &path, bool fsync)
{
	OutputFile o;
	o.path_ = path;
	o.fsync_ = fsync;
	if (path == "-") {
		o.out_ = stdout;
		return o;
	}
	if (path.empty())
		throw Error("can't write output: empty file name");
	struct stat st;
	bool exists = ::lstat(path.c_str(), &st) == 0;
	if (!exists && errno != ENOENT)
		throw sys_error(fmt::format("can't write {}", path), errno);
	if (exists && S_ISLNK(st.st_mode)) {
		struct stat target;
		if (::stat(path.c_str(), &target) != 0 || !written_directly(target.st_mode))
			throw Error(fmt::format("can't write {}: a symbolic link to a file (give the "
						"target's own path)",
						path));
		st = target;
	}
	if (exists && S_ISDIR(st.st_mode))
		throw Error(fmt::format("can't write {}: is a directory", path));
	if (exists && written_directly(st.st_mode)) {
		// O_NOFOLLOW is not used: the symlink case above checked the target.
		UniqueFd fd(::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC));
		if (!fd.valid())
			throw sys_error(fmt::format("can't write {}", path), errno);
		o.out_ = fdopen_or_throw(std::move(fd), path);
		o.owned_ = true;
		return o;
	}
	if (exists && !S_ISREG(st.st_mode))
		throw Error(fmt::format("can't write {}: not a regular file", path));

	std::string tmpl = dir_of(path) + "/." + base_of(path) + ".XXXXXX";
	UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC)); // O_CREAT|O_EXCL: never follows a link
	if (!fd.valid())
		throw sys_error(fmt::format("can't create a temporary file for {}", path), errno);
	o.tmp_ = tmpl;
	mode_t mode = exists ? (st.st_mode & 07777) : new_file_mode();
	if (exists && ::geteuid() == 0)
		(void)!::fchown(fd.get(), st.st_uid, st.st_gid); // best effort: keep the owner
	if (::fchmod(fd.get(), mode) != 0) {
		int err = errno;
		::unlink(tmpl.c_str());
		throw sys_error(fmt::format("can't set the mode of {}", tmpl), err);
	}
	try {
		o.out_ = fdopen_or_throw(std::move(fd), path);
	} catch (...) {
		::unlink(tmpl.c_str());
		throw;
	}
	o.owned_ = true;
	return o;
}

OutputFile::OutputFile(OutputFile &&o) noexcept
	: path_(std::move(o.path_)), tmp_(std::move(o.tmp_)), out_(std::exchange(o.out_, nullptr)),
	  owned_(std::exchange(o.owned_, false)), done_(std::exchange(o.done_, true)), fsync_(o.fsync_)
{
}

OutputFile::~OutputFile() { discard(); }

void OutputFile::discard() noexcept
{
	if (done_ || !out_)
		return;
	done_ = true;
	if (owned_)
		std::fclose(out_);
	if (!tmp_.empty())
		::unlink(tmp_.c_str());
}

void OutputFile::commit()
{
	if (done_)
		return;
	if (!owned_) {
		done_ = true;
		flush_stdout_checked();
		return;
	}
	std::string what = fmt::format("can't write {}", path_);
	int err = 0;
	if (std::fflush(out_) != 0)
		err = errno;
	else if (std::ferror(out_))
		err = EIO;
	else if (fsync_ && !tmp_.empty() && ::fsync(fileno(out_)) != 0)
		err = errno;
	FILE *f = std::exchange(out_, nullptr);
	if (std::fclose(f) != 0 && !err)
		err = errno;
	done_ = true;
	if (!err && !tmp_.empty()) {
		// Only over a regular file or nothing: re-checked, the target may have changed.
		struct stat st;
		if (::lstat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
			err = EEXIST;
		else if (::rename(tmp_.c_str(), path_.c_str()) != 0)
			err = errno;
	}
	if (err) {
		if (!tmp_.empty())
			::unlink(tmp_.c_str());
		throw sys_error(what, err);
	}
}

void write_whole_file(const std::string &path, std::string_view data)
{
	OutputFile f = OutputFile::open(path);
	if (std::fwrite(data.data(), 1, data.size(), f.stream()) != data.size())
		throw sys_error(fmt::format("can't write {}", path), errno);
	f.commit();
}

void flush_stdout_checked()
{
	int err = 0;
	if (std::fflush(stdout) != 0)
		err = errno;
	else if (std::ferror(stdout))
		err = EIO;
	if (err)
		throw sys_error("can't write standard output", err);
}

} // namespace tmi
