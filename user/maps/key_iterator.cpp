// key_iterator.cpp: see key_iterator.hpp.
#include "maps/key_iterator.hpp"

#include <bpf/bpf.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace tmi {

uint64_t walk_bound(const MapInfo &info)
{
	return info.max_entries ? uint64_t(info.max_entries) * 4 + 16 : uint64_t(1) << 24;
}

KeyIterator::KeyIterator(int fd, const MapInfo &info, uint64_t max_keys)
	: KeyIterator(
		  [fd](const void *cursor, void *next) {
			  return bpf_map_get_next_key(fd, cursor, next) ? errno : 0;
		  },
		  info, max_keys)
{
}

KeyIterator::KeyIterator(NextKeyFn next_key, const MapInfo &info, uint64_t max_keys)
	: next_key_(std::move(next_key)), map_id_(info.id), key_size_(info.key_size),
	  max_keys_(max_keys), cursor_(info.key_size, '\0')
{
}

bool KeyIterator::step()
{
	if (done_)
		return false;
	calls_++;
	int err = next_key_(keys_ ? cursor_.data() : nullptr, cursor_.data());
	if (err == ENOENT) {
		done_ = true;
		return false;
	}
	if (err) {
		done_ = true;
		error_ = sys_error(fmt::format("can't get the next key of map {}", map_id_), err);
		return false;
	}
	if (keys_ == max_keys_) {
		done_ = true;
		error_ = Error(fmt::format("can't walk map {}: the walk did not end after {} keys",
					   map_id_, max_keys_));
		return false;
	}
	keys_++;
	return true;
}

bool KeyIterator::next(void *key)
{
	if (!step())
		return false;
	std::memcpy(key, cursor_.data(), key_size_);
	return true;
}

bool KeyIterator::next(Bytes &key)
{
	if (!step())
		return false;
	key = cursor_;
	return true;
}

} // namespace tmi
