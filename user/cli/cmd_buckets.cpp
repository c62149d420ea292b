// cmd_buckets.cpp: `trace-map-iter buckets (--map-id ID | --pinned PATH |
// --map-name NAME) [-j] [--top K] [--svg FILE]`.
//
// A snapshot of a hash map's bucket array: the map is read once (batch,
// read-only), n_buckets and hashrnd come from the kernel, and every key is
// placed with the kernel's hash. JSON fields are a contract (README).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <linux/bpf.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "analysis/buckets.hpp"
#include "cli/command.hpp"
#include "base/error.hpp"
#include "cli/map_options.hpp"
#include "base/hex.hpp"
#include "base/output_file.hpp"

namespace tmi {

namespace {

using ojson = nlohmann::ordered_json;

std::string seed_name(const OpenMap &m, const HtabModel &model)
{
	return (m.info.map_flags & BPF_F_ZERO_SEED) || model.hashrnd == 0 ? "zero" : "random";
}

void print_json(const OpenMap &m, const HtabModel &model, const BucketReport &r)
{
	ojson j;
	j["map_id"] = m.info.id;
	j["map_name"] = m.info.name;
	j["map_type"] = map_type_name(m.info.type);
	j["n_buckets"] = r.n_buckets;
	j["entries"] = r.entries;
	j["seed"] = seed_name(m, model);
	j["hashrnd"] = model.hashrnd;
	j["hash"] = model.variant == HashVariant::Jhash2ForWords ? "jhash2-for-words" : "jhash";
	j["model_agrees"] = r.model_agrees;
	j["empty_buckets"] = r.empty_buckets;
	j["max_chain"] = r.max_chain;
	ojson hist = ojson::object();
	for (auto &[len, n] : r.chain_hist)
		hist[std::to_string(len)] = n;
	j["chain_hist"] = std::move(hist);
	ojson hot = ojson::array();
	for (auto &h : r.hottest) {
		ojson keys = ojson::array();
		for (auto &k : h.keys)
			keys.push_back(to_hex(k));
		hot.push_back(ojson{{"bucket", h.bucket}, {"len", h.len}, {"keys", keys}});
	}
	j["hottest"] = std::move(hot);
	j["longest_empty_run"] = ojson{{"start", r.empty_run_start}, {"len", r.empty_run_len}};
	fmt::print("{}\n", j.dump());
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
	uint64_t top = 0;
	for (auto &[len, n] : r.chain_hist)
		top = std::max(top, n);
	fmt::print("\n{:>9} : {:<10} {}\n", "chain len", "buckets", "distribution");
	for (auto &[len, n] : r.chain_hist)
		fmt::print("{:>9} : {:<10} |{:<40}|\n", len, n, std::string(top ? n * 40 / top : 0, '*'));
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

// A heat strip: the bucket array left to right, one column per group of
// buckets; colour = keys per bucket in the group (white empty, dark red the
// hottest), the longest empty run outlined in blue.
void write_svg(const std::string &path, const OpenMap &m, const BucketReport &r)
{
	constexpr int kWidth = 1200, kStrip = 80, kTop = 40;
	uint32_t cols = std::min<uint32_t>(kWidth, r.n_buckets);
	double per_col = double(r.n_buckets) / cols;
	std::vector<double> load(cols, 0);
	std::vector<bool> all_empty(cols, true);
	for (uint32_t b = 0; b < r.n_buckets; b++) {
		uint32_t c = std::min<uint32_t>(cols - 1, uint32_t(b / per_col));
		load[c] += r.chain_len[b];
		all_empty[c] = all_empty[c] && r.chain_len[b] == 0;
	}
	double peak = 0;
	for (auto &l : load)
		peak = std::max(peak, l / per_col);
	double px = double(kWidth) / cols;
	std::string out = fmt::format(
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"13\">\n"
		"<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
		"<text x=\"0\" y=\"18\">map {} ({}): {} entries in {} buckets; {} empty; max chain {}; "
		"{:.1f} buckets per column</text>\n",
		kWidth, kTop + kStrip + 60, m.info.id, m.info.name, r.entries, r.n_buckets,
		r.empty_buckets, r.max_chain, per_col);
	for (uint32_t c = 0; c < cols; c++) {
		double f = peak > 0 ? (load[c] / per_col) / peak : 0;
		int red = 255, gb = all_empty[c] ? 255 : int(220 - 200 * f);
		std::string fill = all_empty[c] ? "#f4f4f4" : fmt::format("rgb({},{},{})", red - int(100 * f), gb, gb);
		out += fmt::format("<rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" fill=\"{}\"/>\n",
				   c * px, kTop, px + 0.05, kStrip, fill);
	}
	if (r.empty_run_len) {
		double x = r.empty_run_start / per_col * px, w = std::max(1.0, r.empty_run_len / per_col * px);
		out += fmt::format("<rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" fill=\"none\" "
				   "stroke=\"#1f5fbf\" stroke-width=\"2\"/>\n",
				   x, kTop - 2, w, kStrip + 4);
		out += fmt::format("<text x=\"{:.2f}\" y=\"{}\" fill=\"#1f5fbf\">longest empty run: {} buckets "
				   "from {}</text>\n",
				   std::min(x, kWidth - 320.0), kTop + kStrip + 20, r.empty_run_len,
				   r.empty_run_start);
	}
	out += fmt::format("<text x=\"0\" y=\"{}\">bucket 0</text><text x=\"{}\" y=\"{}\" "
			   "text-anchor=\"end\">bucket {}</text>\n",
			   kTop + kStrip + 45, kWidth, kTop + kStrip + 45, r.n_buckets - 1);
	out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">grey: empty; darker red: more "
			   "keys per bucket</text>\n</svg>\n",
			   kWidth / 2, kTop + kStrip + 45);
	write_whole_file(path, out);
}

class BucketsCommand final : public Command {
public:
	void add_to(CLI::App &root) override
	{
		app_ = root.add_subcommand("buckets", "Show a hash map's bucket array: chains, empty runs");
		map_.add_to(app_);
		app_->add_flag("-j,--json", json_, "One JSON object (see README)");
		app_->add_option("--top", top_, "How many hottest buckets")->check(CLI::Range(0, 100000));
		app_->add_option("--svg", svg_, "Draw the bucket array as a heat strip into FILE");
	}
	bool selected() const override { return app_->parsed(); }

	int run() override
	{
		OpenMap m = open_one_map(map_.selector("buckets"));
		if (!is_hash_family(m.info.type))
			throw Error(fmt::format("can't analyse buckets of map {}: {} is not a hash map",
						m.info.id, map_type_name(m.info.type)));
		MapContents contents = read_map(m.fd.get(), m.info);
		HtabModel model = read_htab_model(m, contents);
		BucketReport r = analyse_buckets(contents, model, top_);
		if (json_)
			print_json(m, model, r);
		else
			print_text(m, model, r);
		if (!svg_.empty())
			write_svg(svg_, m, r);
		return kExitOk;
	}

private:
	CLI::App *app_ = nullptr;
	OneMapOptions map_;
	std::string svg_;
	bool json_ = false;
	size_t top_ = 10;
};

} // namespace

std::unique_ptr<Command> make_buckets_command() { return std::make_unique<BucketsCommand>(); }

} // namespace tmi
