// libFuzzer target: the ring-buffer record decoder (trace/events.cpp).
// decode_event() promises to check every size against the record length,
// never read past `len` (ASan checks it on an exact-size heap copy) and
// return nullopt for a malformed record.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "trace/events.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::vector<uint8_t> copy(data, data + size);
	auto ev = tmi::decode_event(copy.data(), copy.size());
	if (ev && ev->next_key && ev->next_key->size() > size)
		__builtin_trap(); // a key longer than the record it came from
	return 0;
}
