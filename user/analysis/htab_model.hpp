// htab_model.hpp: the kernel's hash-map bucket model, in userspace.
//
// kernel/bpf/hashtab.c puts a key in bucket
//   htab_map_hash(key, key_size, hashrnd) & (n_buckets - 1)
// where n_buckets = roundup_pow_of_two(max_entries) and hashrnd is a per-map
// random seed (0 with BPF_F_ZERO_SEED). htab_map_hash is jhash2 over u32
// words when key_size % 4 == 0, else jhash (kernel patch "bpf: ... jhash2
// ... key_len % 4 == 0" in hashtab.c; before it, always jhash). Both
// variants are here; HtabGeometry::detect_variant picks the one the live
// map's batch order agrees with. jhash/jhash2 follow include/linux/jhash.h.
// get_next_key walks buckets in ascending order and each bucket from its
// most recently inserted key (new elements are added at the list head).
// Contract: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace tmi {

uint32_t jhash(const void *key, uint32_t length, uint32_t initval);
uint32_t jhash2(const uint32_t *k, uint32_t length_words, uint32_t initval);

enum class HashVariant { Jhash2ForWords, JhashOnly };

struct HtabModel {
	uint32_t n_buckets = 0; // a power of two
	uint32_t hashrnd = 0;
	HashVariant variant = HashVariant::Jhash2ForWords;

	uint32_t hash(std::string_view key) const;
	uint32_t bucket(std::string_view key) const { return hash(key) & (n_buckets - 1); }
};

} // namespace tmi
