// sha256.hpp: incremental SHA-256 over OpenSSL's EVP interface.
// OpenSSL is used rather than a hand-written SHA-256: it is maintained,
// constant-time where it matters, and uses SHA-NI/AVX2 where the CPU has them.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace tmi {

class Sha256 {
public:
	Sha256();
	Sha256(Sha256 &&) noexcept = default;
	Sha256 &operator=(Sha256 &&) noexcept = default;
	~Sha256();

	void update(std::string_view bytes);
	void update(const void *data, size_t len);
	// Lowercase hex digest. The object must not be updated afterwards.
	std::string hex_digest();

	static std::string hex_of(std::string_view bytes);

private:
	struct Free {
		void operator()(evp_md_ctx_st *ctx) const;
	};
	std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

} // namespace tmi
