// canon_io.cpp: see canon_io.hpp.
#include "canon/canon_io.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <limits>
#include <thread>

#include "base/error.hpp"
#include "base/hex.hpp"
#include "base/json.hpp"
#include "canon/btf_json.hpp"

namespace tmi {

namespace {


// ---- writers ----------------------------------------------------------

// Appends lowercase hex of `bytes` to `buf`.
void append_hex(fmt::memory_buffer &buf, std::string_view bytes)
{
	size_t old = buf.size();
	buf.resize(old + bytes.size() * 2);
	put_hex(buf.data() + old, bytes);
}

void append_json_string(fmt::memory_buffer &buf, const std::string &s)
{
	std::string j = Json(s).line();
	buf.append(j.data(), j.data() + j.size());
}

void flush_if_big(fmt::memory_buffer &buf, FILE *out, bool force = false)
{
	if (buf.size() >= (1u << 20) || (force && buf.size())) {
		if (std::fwrite(buf.data(), 1, buf.size(), out) != buf.size())
			throw sys_error("can't write dump", errno);
		buf.clear();
	}
}

std::string header_line(const CanonHeader &h)
{
	return fmt::format("{{\"format\":\"{}\",\"map_type\":\"{}\",\"key_size\":{},\"value_size\":{},"
			   "\"entries\":{}{},\"sha256\":\"{}\"}}\n",
			   kCanonFormat, map_type_name(h.map_type), h.key_size, h.value_size, h.entries,
			   h.padding_zeroed ? ",\"padding\":\"zeroed\"" : "", h.sha256);
}

// The common line, {"key":"..","value":".."}: every line has the same
// length, so line i's offset is known before any is written. A regular
// file is written in jobs of kJobLines lines taken by two threads, each
// formatted into its own buffer with plain stores and pwritten at its
// offset. When the digest is still pending, one thread computes it first
// while the other writes lines, and the header (which holds the digest,
// at a length known in advance) is written last. A pipe is written in order.
constexpr size_t kJobLines = 16384;

// Formats lines [from, to) at `p` (room for (to - from) lines); returns the end.
char *format_plain_lines(const CanonDump &d, size_t from, size_t to, char *p)
{
	static constexpr std::string_view a = "{\"key\":\"", b = "\",\"value\":\"", c = "\"}\n";
	for (size_t i = from; i < to; i++) {
		d.prefetch(i + CanonDump::kPrefetchAhead);
		p = std::copy(a.begin(), a.end(), p);
		p = put_hex(p, d.key(i));
		p = std::copy(b.begin(), b.end(), p);
		p = put_hex(p, d.value(i));
		p = std::copy(c.begin(), c.end(), p);
	}
	return p;
}

// Writes all of [p, end) at `at` (pwrite) or at the current offset (-1).
int write_all(int fd, const char *p, const char *end, off_t at)
{
	while (p < end) {
		ssize_t n = at >= 0 ? ::pwrite(fd, p, end - p, at) : ::write(fd, p, end - p);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		p += n;
		if (at >= 0)
			at += n;
	}
	return 0;
}

void write_plain_lines(CanonDump &d, FILE *out)
{
	const CanonHeader &h = d.header();
	const size_t line = 2 * (size_t(h.key_size) + h.value_size) +
			    std::string_view("{\"key\":\"\",\"value\":\"\"}\n").size();
	if (std::fflush(out) != 0)
		throw sys_error("can't write dump", errno);
	int fd = fileno(out);
	struct stat st;
	off_t base = lseek(fd, 0, SEEK_CUR);
	bool seekable = base >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (!seekable && !d.has_digest())
		d.compute_digest();

	CanonHeader sized = h; // the header's length does not depend on the digest's value
	if (!d.has_digest())
		sized.sha256.assign(64, '0');
	const size_t head = header_line(sized).size();
	const size_t n = d.size(), jobs = (n + kJobLines - 1) / kJobLines;
	std::atomic<size_t> next_job{0};
	std::atomic<int> failed{0};
	auto write_jobs = [&] {
		std::vector<char> buf(kJobLines * line);
		for (size_t j; !failed && (j = next_job++) < jobs;) {
			size_t from = j * kJobLines, to = std::min(n, from + kJobLines);
			char *end = format_plain_lines(d, from, to, buf.data());
			off_t at = seekable ? base + off_t(head + from * line) : -1;
			if (int err = write_all(fd, buf.data(), end, at)) {
				failed = err;
				return;
			}
		}
	};

	std::string header;
	if (!seekable) { // in order: header, then lines
		header = header_line(d.header());
		if (int err = write_all(fd, header.data(), header.data() + header.size(), -1))
			throw sys_error("can't write dump", err);
		write_jobs();
	} else {
		std::thread second;
		if (n >= 2 * kJobLines)
			second = std::thread(write_jobs);
		else if (!d.has_digest())
			d.compute_digest();
		if (!d.has_digest())
			d.compute_digest(); // while the second thread writes lines
		write_jobs();
		if (second.joinable())
			second.join();
		header = header_line(d.header());
		if (!failed)
			if (int err = write_all(fd, header.data(), header.data() + header.size(), base))
				failed = err;
		// pwrite does not move the file offset: leave it after the last line.
		if (!failed && lseek(fd, base + off_t(head + n * line), SEEK_SET) < 0)
			failed = errno;
	}
	if (failed)
		throw sys_error("can't write dump", failed);
}

std::string spaced_hex(std::string_view bytes)
{
	std::string out;
	for (size_t i = 0; i < bytes.size(); i++) {
		if (i)
			out += ' ';
		out += to_hex(bytes.substr(i, 1));
	}
	return out;
}

} // namespace

std::optional<DumpFormat> dump_format_from_name(std::string_view name)
{
	if (name == "jsonl")
		return DumpFormat::Jsonl;
	if (name == "table")
		return DumpFormat::Table;
	return std::nullopt;
}

std::string formatted_entry(const CanonDump &d, size_t i, const BtfRenderer &btf)
{
	if (!d.header().percpu) {
		std::string_view value = d.value(i); // one entry: no vector per line
		return formatted_entry_line(btf.btf(), btf.key_type(), btf.value_type(), d.key(i),
					    {&value, 1}, false);
	}
	std::vector<std::string_view> values;
	for (uint32_t c = 0; c < d.ncpu(); c++)
		values.push_back(d.cpu_value(i, c));
	return formatted_entry_line(btf.btf(), btf.key_type(), btf.value_type(), d.key(i), values,
				    true);
}

void write_jsonl(const CanonDump &d, FILE *out, const BtfRenderer *btf)
{
	const CanonHeader &h = d.header();
	fmt::memory_buffer buf;
	std::string head = header_line(h);
	buf.append(head.data(), head.data() + head.size());
	for (size_t i = 0; i < d.size(); i++) {
		d.prefetch(i + CanonDump::kPrefetchAhead);
		std::string_view v = d.value(i);
		buf.append(std::string_view("{\"key\":\""));
		append_hex(buf, d.key(i));
		if (h.percpu) {
			buf.append(std::string_view("\",\"values\":["));
			for (uint32_t c = 0; c < d.ncpu(); c++) {
				buf.append(std::string_view(c ? ",\"" : "\""));
				append_hex(buf, d.cpu_value(i, c));
				buf.push_back('"');
			}
			buf.push_back(']');
		} else {
			buf.append(std::string_view("\",\"value\":\""));
			append_hex(buf, v);
			buf.push_back('"');
		}
		if (btf) {
			buf.append(std::string_view(",\"k\":"));
			append_json_string(buf, btf->render_key(d.key(i)));
			buf.append(std::string_view(",\"v\":"));
			if (h.percpu) {
				buf.push_back('[');
				for (uint32_t c = 0; c < d.ncpu(); c++) {
					if (c)
						buf.push_back(',');
					append_json_string(buf, btf->render_value(d.cpu_value(i, c)));
				}
				buf.push_back(']');
			} else {
				append_json_string(buf, btf->render_value(v));
			}
			buf.append(std::string_view(",\"formatted\":"));
			std::string f = formatted_entry(d, i, *btf);
			buf.append(f.data(), f.data() + f.size());
		}
		buf.append(std::string_view("}\n"));
		flush_if_big(buf, out);
	}
	flush_if_big(buf, out, true);
}

void write_table(const CanonDump &d, FILE *out, const BtfRenderer *btf)
{
	const CanonHeader &h = d.header();
	fmt::memory_buffer buf;
	for (size_t i = 0; i < d.size(); i++) {
		std::string_view v = d.value(i);
		if (h.percpu) {
			fmt::format_to(std::back_inserter(buf), "key: {}\n", spaced_hex(d.key(i)));
			for (uint32_t c = 0; c < d.ncpu(); c++) {
				std::string_view cv = d.cpu_value(i, c);
				fmt::format_to(std::back_inserter(buf), "  cpu{}: {}{}\n", c,
					       spaced_hex(cv),
					       btf ? "  " + btf->render_value(cv) : std::string());
			}
		} else {
			fmt::format_to(std::back_inserter(buf), "key: {}  value: {}\n",
				       spaced_hex(d.key(i)), spaced_hex(v));
			if (btf)
				fmt::format_to(std::back_inserter(buf), "  {} => {}\n",
					       btf->render_key(d.key(i)), btf->render_value(v));
		}
		flush_if_big(buf, out);
	}
	fmt::format_to(std::back_inserter(buf), "Found {} elements ({} {}, sha256 {})\n", d.size(),
		       kCanonFormat, map_type_name(h.map_type), h.sha256);
	flush_if_big(buf, out, true);
}

void write_dump(CanonDump &dump, DumpFormat format, FILE *out, const BtfRenderer *btf)
{
	if (format == DumpFormat::Jsonl && !btf && !dump.header().percpu) {
		write_plain_lines(dump, out); // computes a pending digest itself
		return;
	}
	if (!dump.has_digest())
		dump.compute_digest();
	switch (format) {
	case DumpFormat::Jsonl: write_jsonl(dump, out, btf); return;
	case DumpFormat::Table: write_table(dump, out, btf); return;
	}
}

// ---- parser -------------------------------------------------------------

std::optional<std::string> hex_problem(std::string_view hex, size_t bytes)
{
	for (size_t i = 0; i < hex.size(); i++) {
		char c = hex[i];
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
			continue;
		if (c >= 'A' && c <= 'F')
			return std::string("uppercase hex");
		return fmt::format("not hex (byte {} of the string)", i + 1);
	}
	if (hex.size() % 2)
		return std::string("odd number of hex digits");
	if (hex.size() != 2 * bytes)
		return fmt::format("{} bytes, want {}", hex.size() / 2, bytes);
	return std::nullopt;
}

namespace {

void append_unhex(HugeBuffer &out, std::string_view hex)
{
	auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
	size_t old = out.size();
	out.resize(old + hex.size() / 2);
	char *p = out.data() + old;
	for (size_t i = 0; i < hex.size(); i += 2)
		*p++ = char(nib(hex[i]) << 4 | nib(hex[i + 1]));
}

// True when `s` holds whitespace outside JSON strings.
bool has_space_outside_strings(std::string_view s)
{
	bool in_str = false;
	for (size_t i = 0; i < s.size(); i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			return true;
		}
	}
	return false;
}

class HeaderParser {
public:
	HeaderParser(LineInput &in, const DumpLimits &lim) : in_(in), lim_(lim) {}

	CanonHeader parse(std::string_view line)
	{
		if (line.substr(0, 3) == "\xEF\xBB\xBF")
			in_.fail_line("a byte-order mark (BOM): the format has none");
		if (!line.empty() && line.back() == '\r')
			in_.fail_line("CRLF line end: the format uses \\n only");
		std::optional<Json> parsed = Json::parse(line);
		if (!parsed)
			in_.fail_line("header is not JSON");
		const Json &h = *parsed;
		if (!h.is_object())
			in_.fail_line("header is not a JSON object");
		check_fields(h);
		CanonHeader hdr;
		if (h.get("format").string() != kCanonFormat)
			field("format", fmt::format("not \"{}\"", kCanonFormat));
		std::optional<uint32_t> type;
		if (std::optional<std::string> name = h.get("map_type").string())
			type = map_type_from_name(*name);
		if (!type)
			field("map_type", "not a known map type name");
		hdr.map_type = *type;
		hdr.percpu = is_percpu_type(hdr.map_type);
		hdr.key_size = uint32_t(unsigned_field(h, "key_size", UINT32_MAX));
		hdr.value_size = uint32_t(unsigned_field(h, "value_size", UINT32_MAX));
		hdr.entries = unsigned_field(h, "entries", INT64_MAX);
		if (hdr.key_size == 0)
			field("key_size", "0: a key has at least one byte");
		if (2 * (uint64_t(hdr.key_size) + hdr.value_size) + 32 > lim_.max_entry_line)
			field("value_size", fmt::format("an entry of {}+{} bytes does not fit the {}-byte line limit",
							hdr.key_size, hdr.value_size, lim_.max_entry_line));
		if (h.contains("padding")) {
			if (h.get("padding").string() != "zeroed")
				field("padding", "not \"zeroed\"");
			hdr.padding_zeroed = true;
		}
		std::optional<std::string> sha256 = h.get("sha256").string();
		if (!sha256)
			field("sha256", "not a string");
		hdr.sha256 = *sha256;
		if (auto why = hex_problem(hdr.sha256, 32))
			field("sha256", *why);
		if (header_line(hdr) != std::string(line) + "\n")
			in_.fail_line("header not in canonical form (spaces or escapes)");
		return hdr;
	}

private:
	[[noreturn]] void field(const std::string &name, const std::string &why)
	{
		in_.fail_line(fmt::format("field \"{}\": {}", name, why));
	}

	void check_fields(const Json &h)
	{
		std::vector<std::string> want = {"format", "map_type", "key_size", "value_size", "entries"};
		if (h.contains("padding"))
			want.push_back("padding");
		want.push_back("sha256");
		size_t i = 0;
		for (const std::string &name : h.keys()) {
			if (i >= want.size() || name != want[i]) {
				bool known = std::find(want.begin(), want.end(), name) != want.end();
				field(name, known ? "out of order" : "unknown field");
			}
			i++;
		}
		if (i < want.size())
			field(want[i], "missing");
	}

	uint64_t unsigned_field(const Json &h, const char *name, uint64_t max)
	{
		Json v = h.get(name);
		if (v.kind() == Json::Kind::Float)
			field(name, "not an integer");
		if (!v.is_number())
			field(name, "not a number");
		std::optional<uint64_t> u = v.unsigned_number();
		if (!u)
			field(name, "negative");
		uint64_t n = *u;
		if (n > max)
			field(name, fmt::format("{} is out of range (at most {})", n, max));
		return n;
	}

	LineInput &in_;
	const DumpLimits &lim_;
};

class EntryParser {
public:
	EntryParser(LineInput &in, const CanonHeader &h) : in_(in), h_(h) {}

	// Parses one entry line into `m` (key and value bytes appended);
	// returns the `formatted` JSON text, empty when the line has none.
	std::string_view parse(std::string_view line, MapContents &m)
	{
		s_ = line;
		pos_ = 0;
		if (!line.empty() && line.back() == '\r')
			in_.fail_line("CRLF line end: the format uses \\n only");
		if (!eat("{\"key\":"))
			unexpected("an entry starts with {\"key\":");
		std::string_view key = hex_string("key", h_.key_size);
		size_t n = m.count();
		if (n && !(std::string_view(m.keys.data() + (n - 1) * h_.key_size, h_.key_size) <
			   unhexed_less_key(key)))
			field("key", "not after the previous entry's key (canonical order: ascending, unique)");
		append_unhex(m.keys, key);
		if (h_.percpu)
			values(m);
		else if (eat(",\"value\":"))
			append_unhex(m.values, hex_string("value", h_.value_size));
		else
			unexpected("field \"value\" follows \"key\"");
		std::string_view formatted;
		if (eat(",\"k\":")) {
			if (!h_.padding_zeroed)
				field("k", "typed fields need \"padding\":\"zeroed\" in the header");
			json_string("k");
			if (!eat(",\"v\":"))
				unexpected("field \"v\" follows \"k\"");
			if (h_.percpu)
				string_array("v");
			else
				json_string("v");
			if (eat(",\"formatted\":"))
				formatted = formatted_object();
		}
		if (!eat("}"))
			unexpected("the entry ends with }");
		if (pos_ != s_.size())
			in_.fail_line(fmt::format("bytes after the entry's closing brace (column {})", pos_ + 1));
		return formatted;
	}

private:
	[[noreturn]] void field(const std::string &name, const std::string &why)
	{
		in_.fail_line(fmt::format("field \"{}\": {}", name, why));
	}

	[[noreturn]] void unexpected(const std::string &want)
	{
		std::string_view rest = s_.substr(pos_);
		if (rest.substr(0, 2) == ",\"") {
			size_t q = rest.find('"', 2);
			std::string name(rest.substr(2, q == std::string_view::npos ? 16 : q - 2));
			field(name, fmt::format("unexpected field (unknown, repeated or out of order; {})", want));
		}
		if (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t'))
			in_.fail_line(fmt::format("a space at column {}: the format has none", pos_ + 1));
		if (rest.empty())
			in_.fail_line(fmt::format("the line ends early ({})", want));
		in_.fail_line(fmt::format("unexpected byte at column {} ({})", pos_ + 1, want));
	}

	bool eat(std::string_view lit)
	{
		if (s_.substr(pos_, lit.size()) != lit)
			return false;
		pos_ += lit.size();
		return true;
	}

	// The JSON string at pos_, quotes included.
	std::string_view raw_string(const char *name)
	{
		if (pos_ >= s_.size() || s_[pos_] != '"') {
			if (pos_ < s_.size() && s_[pos_] == ' ')
				in_.fail_line(fmt::format("a space at column {}: the format has none", pos_ + 1));
			field(name, "not a string");
		}
		size_t i = pos_ + 1;
		while (i < s_.size() && s_[i] != '"')
			i += s_[i] == '\\' ? 2 : 1;
		if (i >= s_.size())
			field(name, "unterminated string");
		std::string_view r = s_.substr(pos_, i + 1 - pos_);
		pos_ = i + 1;
		return r;
	}

	std::string_view hex_string(const char *name, size_t bytes, std::string_view what = {})
	{
		std::string_view r = raw_string(name);
		std::string_view hex = r.substr(1, r.size() - 2);
		if (auto why = hex_problem(hex, bytes))
			field(name, what.empty() ? *why : fmt::format("{}: {}", what, *why));
		return hex;
	}

	void json_string(const char *name)
	{
		std::string_view r = raw_string(name);
		std::optional<Json> j = Json::parse(r);
		if (!j)
			field(name, "not a valid JSON string");
		if (j->line() != r)
			field(name, "not in canonical JSON form (escapes)");
	}

	void string_array(const char *name)
	{
		if (!eat("["))
			field(name, "not an array");
		for (uint32_t c = 0;; c++) {
			if (c >= m_ncpu_)
				field(name, fmt::format("more than {} elements (one per CPU)", m_ncpu_));
			json_string(name);
			if (eat("]")) {
				if (c + 1 != m_ncpu_)
					field(name, fmt::format("{} elements, want {} (one per CPU)", c + 1, m_ncpu_));
				return;
			}
			if (!eat(","))
				unexpected("] or , in the array");
		}
	}

	void values(MapContents &m)
	{
		if (!eat(",\"values\":["))
			unexpected("field \"values\" (one hex string per CPU) follows \"key\"");
		uint32_t c = 0;
		while (true) {
			append_unhex(m.values,
				     hex_string("values", h_.value_size, fmt::format("element {}", c + 1)));
			c++;
			if (eat("]"))
				break;
			if (!eat(","))
				unexpected("] or , in the array");
		}
		if (m_ncpu_ == 0)
			m_ncpu_ = c;
		if (c != m_ncpu_)
			field("values", fmt::format("{} per-CPU values, the first entry has {}", c, m_ncpu_));
	}

	std::string_view formatted_object()
	{
		if (s_.empty() || s_.back() != '}' || pos_ >= s_.size() - 1 || s_[pos_] != '{')
			field("formatted", "not a JSON object");
		std::string_view f = s_.substr(pos_, s_.size() - 1 - pos_);
		if (has_space_outside_strings(f))
			field("formatted", "spaces outside strings: the format has none");
		if (!is_json(f))
			field("formatted", "not valid JSON");
		pos_ = s_.size() - 1;
		return f;
	}

	// The key bytes of `hex` (validated lowercase hex), for the order check.
	std::string_view unhexed_less_key(std::string_view hex)
	{
		scratch_.clear();
		append_unhex(scratch_, hex);
		return std::string_view(scratch_.data(), scratch_.size());
	}

public:
	uint32_t ncpu() const { return m_ncpu_; }

private:
	LineInput &in_;
	const CanonHeader &h_;
	std::string_view s_;
	size_t pos_ = 0;
	uint32_t m_ncpu_ = 0;
	HugeBuffer scratch_;
};

} // namespace

LoadedDump parse_dump(LineInput &in, const DumpLimits &lim)
{
	std::string_view line;
	if (!in.next(line, lim.max_header_line))
		in.fail("empty file");
	CanonHeader hdr = HeaderParser(in, lim).parse(line);

	// A regular file too short for its entries is refused before reading them.
	size_t min_entry = (hdr.percpu ? std::string_view("{\"key\":\"\",\"values\":[\"\"]}\n").size()
				       : std::string_view("{\"key\":\"\",\"value\":\"\"}\n").size()) +
			   2 * (size_t(hdr.key_size) + hdr.value_size);
	if (auto size = in.file_size()) {
		uint64_t room = (*size - in.consumed()) / min_entry;
		if (hdr.entries > room)
			in.fail_line(fmt::format("field \"entries\": {} entries of at least {} bytes cannot fit "
						 "the {} bytes that follow (truncated?)",
						 hdr.entries, min_entry, *size - in.consumed()));
	}

	MapContents m;
	m.key_size = hdr.key_size;
	EntryParser entries(in, hdr);
	std::vector<std::string> formatted;
	uint64_t n = 0;
	while (in.next(line, lim.max_entry_line)) {
		if (n == hdr.entries)
			in.fail_line(fmt::format("more entries than the header's \"entries\" ({})", hdr.entries));
		if (n >= UINT32_MAX)
			in.fail_line("more than 4294967295 entries");
		std::string_view f = entries.parse(line, m);
		if (!f.empty()) {
			if (formatted.empty())
				formatted.resize(n);
			formatted.emplace_back(f);
		} else if (!formatted.empty()) {
			formatted.emplace_back();
		}
		n++;
	}
	if (n != hdr.entries)
		in.fail(fmt::format("truncated: the header says {} entries, the file has {}", hdr.entries, n));
	m.ncpu = hdr.percpu ? std::max<uint32_t>(entries.ncpu(), 1) : 1;
	m.value_bytes = hdr.value_size * m.ncpu;
	std::string claimed = hdr.sha256;
	LoadedDump out{CanonDump::from_canonical(hdr, std::move(m)), std::move(formatted)};
	if (out.dump.header().sha256 != claimed)
		in.fail(fmt::format("field \"sha256\": {} does not match the entries (they give {})", claimed,
				    out.dump.header().sha256));
	return out;
}

LoadedDump read_dump_file(const std::string &path, const DumpLimits &lim)
{
	LineInput in = LineInput::open_file(path, lim.input);
	return parse_dump(in, lim);
}

} // namespace tmi
