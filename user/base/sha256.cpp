// sha256.cpp: see sha256.hpp.
#include "base/sha256.hpp"

#include <openssl/evp.h>

#include "base/error.hpp"
#include "base/hex.hpp"

namespace tmi {

void Sha256::Free::operator()(evp_md_ctx_st *ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new())
{
	if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
		throw Error("can't initialise SHA-256: OpenSSL failure");
}

Sha256::~Sha256() = default;

void Sha256::update(const void *data, size_t len)
{
	if (len)
		EVP_DigestUpdate(ctx_.get(), data, len);
}

void Sha256::update(std::string_view bytes) { update(bytes.data(), bytes.size()); }

std::string Sha256::hex_digest()
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_DigestFinal_ex(ctx_.get(), md, &len);
	return to_hex(std::string_view(reinterpret_cast<char *>(md), len));
}

std::string Sha256::hex_of(std::string_view bytes)
{
	Sha256 h;
	h.update(bytes);
	return h.hex_digest();
}

} // namespace tmi
