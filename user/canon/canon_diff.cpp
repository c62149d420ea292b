// canon_diff.cpp: see canon_diff.hpp.
#include "canon/canon_diff.hpp"

#include <fmt/format.h>


#include "base/error.hpp"
#include "base/json.hpp"
#include "base/hex.hpp"

namespace tmi {

namespace {


class DiffPrinter {
public:
	DiffPrinter(bool json, FILE *out) : json_(json), out_(out) {}

	void only(char op, const std::string &key, const std::string &value, const std::string &formatted)
	{
		if (json_) {
			Json j = Json::object({{"op", std::string(1, op)}, {"key", key}, {"value", value}});
			if (!formatted.empty())
				j.set("formatted", Json::parse(formatted).value());
			emit(j);
		} else {
			print(fmt::format("{} {} {}\n", op, key, value));
		}
		(op == '-' ? counts.only_a : counts.only_b)++;
	}
	void changed(const std::string &key, const std::string &a, const std::string &b,
		     const std::string &fa, const std::string &fb)
	{
		if (json_) {
			Json j = Json::object({{"op", "~"}, {"key", key}, {"a", a}, {"b", b}});
			if (!fa.empty() || !fb.empty())
				j.set("formatted", changed_formatted(fa, fb));
			emit(j);
		} else {
			print(fmt::format("~ {} {} {}\n", key, a, b));
		}
		counts.changed++;
	}
	void field(const std::string &name, const std::string &a, const std::string &b)
	{
		if (json_)
			emit(Json::object({{"op", "!"}, {"field", name}, {"a", a}, {"b", b}}));
		else
			print(fmt::format("! {} {} {}\n", name, a, b));
		counts.fields++;
	}

	DiffCounts counts;

private:
	// {"key":K,"a":A's value,"b":B's value} ("value" or per-CPU "values").
	static Json changed_formatted(const std::string &fa, const std::string &fb)
	{
		Json out = Json::object();
		auto side = [&](const std::string &text, const char *name) {
			if (text.empty())
				return;
			Json f = Json::parse(text).value();
			if (!out.contains("key") && f.contains("key"))
				out.set("key", f.get("key"));
			out.set(name, f.get(f.contains("values") ? "values" : "value"));
		};
		side(fa, "a");
		side(fb, "b");
		return out;
	}
	void emit(const Json &j) { print(j.line() + "\n"); }
	void print(const std::string &s)
	{
		if (std::fwrite(s.data(), 1, s.size(), out_) != s.size())
			throw sys_error("can't write the differences", errno);
	}
	bool json_;
	FILE *out_;
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

} // namespace

std::string DumpSide::formatted_text(size_t i) const
{
	if (btf)
		return formatted_entry(dump, i, *btf);
	return i < formatted.size() ? formatted[i] : std::string();
}

DumpSide load_dump_side(const std::string &spec)
{
	if (auto sel = MapSelector::parse(spec)) {
		std::optional<BtfRenderer> btf;
		CanonDump d = canonical_dump_of(open_one_map(*sel), &btf);
		return DumpSide{std::move(d), std::move(btf), {}};
	}
	LoadedDump l = read_dump_file(spec);
	return DumpSide{std::move(l.dump), std::nullopt, std::move(l.formatted)};
}

// Both sides are in canonical (memcmp) key order: one merge pass.
DiffCounts write_diff(const DumpSide &sa, const DumpSide &sb, bool json, FILE *out)
{
	const CanonDump &a = sa.dump, &b = sb.dump;
	DiffPrinter p(json, out);
	compare_headers(a.header(), b.header(), p);
	// Typed renderings only where both sides agree on the layout.
	bool typed = json && a.header().key_size == b.header().key_size &&
		     a.header().value_size == b.header().value_size;
	auto fa = [&](size_t i) { return typed ? sa.formatted_text(i) : std::string(); };
	auto fb = [&](size_t j) { return typed ? sb.formatted_text(j) : std::string(); };
	size_t i = 0, j = 0;
	while (i < a.size() || j < b.size()) {
		int c = i == a.size() ? 1 : j == b.size() ? -1 : a.key(i).compare(b.key(j));
		if (c < 0) {
			p.only('-', to_hex(a.key(i)), a.value_hex(i), fa(i));
			i++;
		} else if (c > 0) {
			p.only('+', to_hex(b.key(j)), b.value_hex(j), fb(j));
			j++;
		} else {
			if (a.value(i) != b.value(j))
				p.changed(to_hex(a.key(i)), a.value_hex(i), b.value_hex(j), fa(i), fb(j));
			i++;
			j++;
		}
	}
	return p.counts;
}

} // namespace tmi
