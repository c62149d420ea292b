// cmd_audit.cpp: `trace-map-iter audit (--map-id ID | --pinned PATH |
// --map-name NAME) [-j]` and `trace-map-iter audit --traced FILE [--map-id ID] [-j]`.
//
// Live: walks the map read-only with get_next_key (bpftool's loop) and checks
// the order against the model (audit.hpp). Traced: audits every walk with an
// "order" in a tracer JSON-lines file (`--order full`), against the live map
// it names (or --map-id). Exit 0 when every order matches its model, 1 on
// violations, 2 on trouble.
#include <bpf/bpf.h>
#include <fmt/format.h>
#include <linux/bpf.h>

#include <map>

#include "analysis/audit.hpp"
#include "analysis/buckets.hpp"
#include "base/error.hpp"
#include "base/json.hpp"
#include "base/input_file.hpp"
#include "base/output_file.hpp"
#include "cli/options.hpp"
#include "maps/key_iterator.hpp"

namespace tmi {

namespace {


// Longest tracer JSON line audit reads: a full-order walk of 2^22 8-byte keys.
constexpr size_t kMaxTracedLine = size_t(1) << 27;

// get_next_key from NULL to ENOENT; bounded so a map under churn ends.
std::vector<Bytes> walk_live(const OpenMap &m)
{
	std::vector<Bytes> order;
	KeyIterator it(m.fd.get(), m.info, walk_bound(m.info));
	for (Bytes key; it.next(key);)
		order.push_back(key);
	if (it.error())
		throw *it.error();
	return order;
}

OrderModel model_for(const OpenMap &m, const std::vector<Bytes> &walk)
{
	OrderModel model;
	if (is_array_type(m.info.type)) {
		model.cls = OrderClass::ArrayIndex;
		return model;
	}
	if (m.info.type == BPF_MAP_TYPE_LPM_TRIE) {
		model.cls = OrderClass::LpmTrie;
		return model;
	}
	if (!is_hash_family(m.info.type))
		return model;
	MapContents keys; // the walk order stands in for the batch order
	keys.key_size = m.info.key_size;
	for (auto &k : walk)
		keys.keys.append(k.data(), k.size());
	HtabModelResult geometry = try_read_htab_model(m, keys);
	if (!geometry.model)
		fmt::print(stderr, "warning: {}; checking repeats only\n", geometry.why);
	model.htab = geometry.model;
	bool zero = (m.info.map_flags & BPF_F_ZERO_SEED) || (model.htab && model.htab->hashrnd == 0);
	model.cls = zero ? OrderClass::HashZeroSeed : OrderClass::HashRandomSeed;
	return model;
}

struct Subject {
	const MapInfo *info;
	uint32_t pid = 0, tid = 0; // traced walks only
};

void print(const Subject &s, const AuditResult &r, bool json)
{
	if (json) {
		Json j;
		j.set("map_id", s.info->id);
		j.set("map_name", s.info->name);
		j.set("map_type", map_type_name(s.info->type));
		if (s.tid) {
			j.set("pid", s.pid);
			j.set("tid", s.tid);
		}
		j.set("order_class", order_class_name(r.cls));
		j.set("keys", r.keys);
		j.set("violations", r.violation_count);
		Json list = Json::array();
		for (auto &v : r.violations)
			list.push(Json::object({{"position", v.position}, {"key", to_hex(v.key)},
						{"rank", v.rank}, {"expected_at_least", v.expected},
						{"reason", v.reason}}));
		j.set("first_violations", std::move(list));
		j.set("advice", order_advice(r.cls));
		fmt::print("{}\n", j.line());
		return;
	}
	fmt::print("map {} ({}, {}){}: order class {}; {} keys walked; {} violations\n", s.info->id,
		   s.info->name, map_type_name(s.info->type),
		   s.tid ? fmt::format(", walk by pid {} tid {}", s.pid, s.tid) : "",
		   order_class_name(r.cls), r.keys, r.violation_count);
	for (auto &v : r.violations)
		fmt::print("  position {}: key {}: {}\n", v.position, to_hex(v.key), v.reason);
	if (r.violation_count > r.violations.size())
		fmt::print("  ... {} more\n", r.violation_count - r.violations.size());
	fmt::print("advice: {}\n", order_advice(r.cls));
}

class AuditCommand {
public:
	explicit AuditCommand(const AuditOptions &o) : o_(o) {}

	int run() { return o_.traced.empty() ? audit_live() : audit_traced(); }

private:
	int audit_live()
	{
		OpenMap m = open_one_map(o_.map.selector("audit"));
		std::vector<Bytes> walk = walk_live(m);
		AuditResult r = audit_order(walk, model_for(m, walk));
		print({&m.info}, r, o_.json);
		flush_stdout_checked();
		return r.violation_count ? kExitDiffers : kExitOk;
	}

	int audit_traced()
	{
		// Bounded: a tracer file is JSON lines of at most kMaxTracedLine
		// bytes (a --order full walk of a large map is one long line).
		LineInput in = LineInput::open_file(o_.traced);
		std::map<uint32_t, std::pair<OpenMap, OrderModel>> maps;
		std::string_view line;
		size_t audited = 0, failing = 0;
		while (in.next(line, kMaxTracedLine)) {
			size_t lineno = in.line_number();
			std::optional<Json> parsed = Json::parse(line);
			if (!parsed)
				throw Error(fmt::format("can't read {}: line {} is not JSON", o_.traced, lineno));
			Json &j = *parsed;
			if (j.value("type", "") != "walk" || !j.contains("order"))
				continue;
			uint32_t id = o_.map.id ? o_.map.id : j.value("map_id", 0u);
			std::vector<Bytes> order;
			// A --order full walk of a large map is one long array: moved, not copied.
			for (auto &h : j.take("order").elements()) {
				std::optional<std::string> text = h.string();
				auto k = text ? from_hex(*text) : std::nullopt;
				if (!k)
					throw Error(fmt::format("can't read {}: line {}: bad hex key", o_.traced, lineno));
				order.push_back(*k);
			}
			auto it = maps.find(id);
			if (it == maps.end()) {
				OpenMap m = open_map_by_id(id);
				OrderModel model = model_for(m, order);
				it = maps.emplace(id, std::make_pair(std::move(m), model)).first;
			}
			AuditResult r = audit_order(order, it->second.second);
			print({&it->second.first.info, j.value("pid", 0u), j.value("tid", 0u)}, r, o_.json);
			audited++;
			failing += r.violation_count > 0;
		}
		if (!audited)
			throw Error(fmt::format("can't audit {}: no walks with an order (trace with --order full)",
						o_.traced));
		flush_stdout_checked();
		return failing ? kExitDiffers : kExitOk;
	}

	const AuditOptions &o_;
};

} // namespace

int run_audit(const AuditOptions &o) { return AuditCommand(o).run(); }

} // namespace tmi
