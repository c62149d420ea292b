// libFuzzer target: the tmi-canon-v1 dump-file parser (canon/canon_io).
// Any input must either parse or throw tmi::Error; anything else (a crash,
// an ASan report, another exception) is a bug. Limits are shrunk so the
// fuzzer reaches the line-limit paths with small inputs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.hpp"
#include "canon/canon_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tmi::DumpLimits lim;
	lim.max_header_line = 4096;
	lim.max_entry_line = 1 << 16;
	tmi::LineInput in = tmi::LineInput::from_memory(
		std::string_view(reinterpret_cast<const char *>(data), size), "fuzz.jsonl");
	try {
		tmi::LoadedDump d = tmi::parse_dump(in, lim);
		// What parsed must be internally consistent.
		if (d.dump.size() != d.dump.header().entries)
			__builtin_trap();
		for (size_t i = 0; i < d.dump.size(); i++)
			(void)d.dump.value_hex(i);
	} catch (const tmi::Error &) {
	}
	return 0;
}
