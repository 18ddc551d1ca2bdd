#include "base/hash.hpp"

#include <array>
#include <openssl/evp.h>
#include <stdexcept>

namespace lattice::base {

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL: SHA-256 failed"); // only without memory: nothing to recover
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(static_cast<std::size_t>(size) * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest.at(i) >> 4];
    out += hex[digest.at(i) & 0xF];
  }
  return out;
}

} // namespace lattice::base
