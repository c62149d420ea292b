// cmd_buckets.cpp: `trace-map-iter buckets (--map-id ID | --pinned PATH |
// --map-name NAME) [-j] [--top K] [--svg FILE]`.
//
// A snapshot of a hash map's bucket array: the map is read once (batch,
// read-only), n_buckets and hashrnd come from the kernel, and every key is
// placed with the kernel's hash. JSON fields are a contract (README).
#include <fmt/format.h>
#include <linux/bpf.h>


#include "analysis/buckets.hpp"
#include "analysis/heat_strip.hpp"
#include "analysis/histogram.hpp"
#include "base/error.hpp"
#include "base/json.hpp"
#include "base/output_file.hpp"
#include "cli/options.hpp"
#include "base/hex.hpp"

namespace tmi {

namespace {


std::string seed_name(const OpenMap &m, const HtabModel &model)
{
	return (m.info.map_flags & BPF_F_ZERO_SEED) || model.hashrnd == 0 ? "zero" : "random";
}

void print_json(const OpenMap &m, const HtabModel &model, const BucketReport &r)
{
	Json j;
	j.set("map_id", m.info.id);
	j.set("map_name", m.info.name);
	j.set("map_type", map_type_name(m.info.type));
	j.set("n_buckets", r.n_buckets);
	j.set("entries", r.entries);
	j.set("seed", seed_name(m, model));
	j.set("hashrnd", model.hashrnd);
	j.set("hash", model.variant == HashVariant::Jhash2ForWords ? "jhash2-for-words" : "jhash");
	j.set("model_agrees", r.model_agrees);
	j.set("empty_buckets", r.empty_buckets);
	j.set("max_chain", r.max_chain);
	Json hist = Json::object();
	for (auto &[len, n] : r.chain_hist)
		hist.set(std::to_string(len), n);
	j.set("chain_hist", std::move(hist));
	Json hot = Json::array();
	for (auto &h : r.hottest) {
		Json keys = Json::array();
		for (auto &k : h.keys)
			keys.push(to_hex(k));
		hot.push(Json::object({{"bucket", h.bucket}, {"len", h.len}, {"keys", keys}}));
	}
	j.set("hottest", std::move(hot));
	j.set("longest_empty_run", Json::object({{"start", r.empty_run_start}, {"len", r.empty_run_len}}));
	fmt::print("{}\n", j.line());
}

void print_text(const OpenMap &m, const HtabModel &model, const BucketReport &r)
{
	fmt::print("map {} ({}, {}): {} entries in {} buckets, seed {} (hashrnd {:#010x}), {}\n",
		   m.info.id, m.info.name, map_type_name(m.info.type), r.entries, r.n_buckets,
		   seed_name(m, model), model.hashrnd,
		   r.model_agrees ? "model agrees with the kernel's order"
				  : "WARNING: model disagrees with the kernel's order");
	fmt::print("empty buckets: {} ({:.1f}%), longest empty run: {} buckets from bucket {}\n",
		   r.empty_buckets, r.n_buckets ? 100.0 * r.empty_buckets / r.n_buckets : 0.0,
		   r.empty_run_len, r.empty_run_start);
	if (!r.chain_hist.empty())
		fmt::print("\n{}", format_star_hist(linear_rows(r.chain_hist),
						     {"chain len", "buckets", HistLabel::Value}));
	if (!r.hottest.empty())
		fmt::print("\nhottest buckets (keys in walk order, newest first):\n");
	for (auto &h : r.hottest) {
		std::string keys;
		for (size_t i = 0; i < h.keys.size() && i < 8; i++)
			keys += " " + to_hex(h.keys[i]);
		if (h.keys.size() > 8)
			keys += fmt::format(" ... ({} more)", h.keys.size() - 8);
		fmt::print("  bucket {:>8}: {:>4} keys:{}\n", h.bucket, h.len, keys);
	}
}

class BucketsCommand {
public:
	explicit BucketsCommand(const BucketsOptions &o) : o_(o) {}

	int run()
	{
		OpenMap m = open_one_map(o_.map.selector("buckets"));
		if (!is_hash_family(m.info.type))
			throw Error(fmt::format("can't analyse buckets of map {}: {} is not a hash map",
						m.info.id, map_type_name(m.info.type)));
		MapContents contents = read_map(m.fd.get(), m.info);
		HtabModel model = read_htab_model(m, contents);
		BucketReport r = analyse_buckets(contents, model, o_.top);
		if (o_.json)
			print_json(m, model, r);
		else
			print_text(m, model, r);
		if (!o_.svg.empty())
			write_heat_strip(o_.svg, m.info, r);
		flush_stdout_checked();
		return kExitOk;
	}

private:
	const BucketsOptions &o_;
};

} // namespace

int run_buckets(const BucketsOptions &o) { return BucketsCommand(o).run(); }

} // namespace tmi
