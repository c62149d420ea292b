// key_set.cpp: see key_set.hpp.
#include "trace/key_set.hpp"

#include <functional>

namespace tmi {

std::string_view KeySet::key(uint32_t i) const
{
	uint64_t begin = starts_[i];
	uint64_t end = i + 1 < starts_.size() ? starts_[i + 1] : arena_.size();
	return std::string_view(arena_).substr(begin, end - begin);
}

size_t KeySet::find_slot(std::string_view k, size_t hash) const
{
	size_t mask = slots_.size() - 1;
	for (size_t s = hash & mask;; s = (s + 1) & mask) {
		uint32_t v = slots_[s];
		if (v == 0 || key(v - 1) == k)
			return s;
	}
}

void KeySet::grow()
{
	std::vector<uint32_t> old = std::move(slots_);
	slots_.assign(old.empty() ? 64 : old.size() * 2, 0);
	for (uint32_t v : old)
		if (v)
			slots_[find_slot(key(v - 1), std::hash<std::string_view>{}(key(v - 1)))] = v;
}

bool KeySet::insert(std::string_view k)
{
	if ((starts_.size() + 1) * 2 > slots_.size())
		grow();
	size_t s = find_slot(k, std::hash<std::string_view>{}(k));
	if (slots_[s])
		return false;
	starts_.push_back(arena_.size());
	arena_.append(k);
	slots_[s] = uint32_t(starts_.size()); // key number + 1
	return true;
}

bool KeySet::contains(std::string_view k) const
{
	return !slots_.empty() && slots_[find_slot(k, std::hash<std::string_view>{}(k))] != 0;
}

void KeySet::merge(const KeySet &other)
{
	for (uint32_t i = 0; i < other.size(); i++)
		insert(other.key(i));
}

} // namespace tmi
