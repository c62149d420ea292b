// cmd_diff.cpp: `trace-map-iter diff A B [-j]`.
//
// Each side is a canonical dump file or a live map (`id:N`, `pinned:PATH`,
// `name:NAME`). Prints one line per difference, in key order:
// `- KEY VALUE` (only in A), `+ KEY VALUE` (only in B), `~ KEY A_VALUE B_VALUE`
// (changed), and `! FIELD A B` when map_type, key_size or value_size differ;
// a count on stderr; exits 0 identical, 1 different, 2 trouble, like diff(1).
// -j writes JSON lines {"op":"-|+|~|!",...} instead.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "canon/canon.hpp"
#include "base/error.hpp"
#include "cli/options.hpp"
#include "base/hex.hpp"

namespace tmi {

namespace {

using ojson = nlohmann::ordered_json;

CanonDump load_side(const std::string &spec)
{
	if (auto sel = MapSelector::parse(spec))
		return canonical_dump_of(open_one_map(*sel), nullptr);
	return CanonDump::parse_file(spec);
}

class DiffPrinter {
public:
	explicit DiffPrinter(bool json) : json_(json) {}

	void only(char op, const std::string &key, const std::string &value)
	{
		if (json_)
			emit(ojson{{"op", std::string(1, op)}, {"key", key}, {"value", value}});
		else
			fmt::print("{} {} {}\n", op, key, value);
		(op == '-' ? only_a : only_b)++;
	}
	void changed(const std::string &key, const std::string &a, const std::string &b)
	{
		if (json_)
			emit(ojson{{"op", "~"}, {"key", key}, {"a", a}, {"b", b}});
		else
			fmt::print("~ {} {} {}\n", key, a, b);
		changed_n++;
	}
	void field(const std::string &name, const std::string &a, const std::string &b)
	{
		if (json_)
			emit(ojson{{"op", "!"}, {"field", name}, {"a", a}, {"b", b}});
		else
			fmt::print("! {} {} {}\n", name, a, b);
		fields++;
	}
	uint64_t total() const { return only_a + only_b + changed_n + fields; }

	uint64_t only_a = 0, only_b = 0, changed_n = 0, fields = 0;

private:
	void emit(const ojson &j) { fmt::print("{}\n", j.dump()); }
	bool json_;
};

void compare_headers(const CanonHeader &a, const CanonHeader &b, DiffPrinter &p)
{
	if (a.map_type != b.map_type)
		p.field("map_type", map_type_name(a.map_type), map_type_name(b.map_type));
	if (a.key_size != b.key_size)
		p.field("key_size", std::to_string(a.key_size), std::to_string(b.key_size));
	if (a.value_size != b.value_size)
		p.field("value_size", std::to_string(a.value_size), std::to_string(b.value_size));
}

// Both sides are in canonical (memcmp) key order: one merge pass.
void compare_entries(const CanonDump &a, const CanonDump &b, DiffPrinter &p)
{
	size_t i = 0, j = 0;
	while (i < a.size() || j < b.size()) {
		int c = i == a.size() ? 1 : j == b.size() ? -1 : a.key(i).compare(b.key(j));
		if (c < 0) {
			p.only('-', to_hex(a.key(i)), a.value_hex(i));
			i++;
		} else if (c > 0) {
			p.only('+', to_hex(b.key(j)), b.value_hex(j));
			j++;
		} else {
			if (a.value(i) != b.value(j))
				p.changed(to_hex(a.key(i)), a.value_hex(i), b.value_hex(j));
			i++;
			j++;
		}
	}
}

class DiffCommand {
public:
	explicit DiffCommand(const DiffOptions &o) : o_(o) {}

	int run()
	{
		CanonDump a = load_side(o_.a), b = load_side(o_.b);
		DiffPrinter p(o_.json);
		compare_headers(a.header(), b.header(), p);
		compare_entries(a, b, p);
		std::fflush(stdout);
		if (p.total() == 0) {
			fmt::print(stderr, "identical: {} entries, sha256 {}\n", a.size(),
				   a.header().sha256);
			return kExitOk;
		}
		fmt::print(stderr, "{} differences: {} only in A, {} only in B, {} changed{}\n",
			   p.total(), p.only_a, p.only_b, p.changed_n,
			   p.fields ? fmt::format(", {} header fields", p.fields) : "");
		return kExitDiffers;
	}

private:
	const DiffOptions &o_;
};

} // namespace

int run_diff(const DiffOptions &o) { return DiffCommand(o).run(); }

} // namespace tmi
