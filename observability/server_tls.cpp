#include "observability/server_tls.hpp"

#include <memory>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>

namespace lattice::observability {

namespace ssl = boost::asio::ssl;

namespace {

std::string openssl_error(const std::string& what) {
  char text[256] = "unknown error";
  if (auto code = ERR_get_error())
    ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return what + ": " + text;
}

struct key_deleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct cert_deleter {
  void operator()(X509* c) const { X509_free(c); }
};

/// Installs a fresh self-signed certificate and its key into `ctx`.
void use_self_signed(SSL_CTX* ctx) {
  std::unique_ptr<EVP_PKEY, key_deleter> key(EVP_EC_gen("P-256"));
  std::unique_ptr<X509, cert_deleter> cert(X509_new());
  if (!key || !cert)
    throw std::runtime_error(openssl_error("cannot make a self-signed metrics certificate"));
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f; // a positive serial number
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_set_version(cert.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("lattice-operator"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  if (X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name,
                                                "DNS:lattice-operator,DNS:localhost,IP:127.0.0.1")) {
    X509_add_ext(cert.get(), san, -1);
    X509_EXTENSION_free(san);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0 || SSL_CTX_use_certificate(ctx, cert.get()) != 1
      || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1)
    throw std::runtime_error(openssl_error("cannot make a self-signed metrics certificate"));
}

} // namespace

std::shared_ptr<ssl::context> make_server_tls_context(const std::string& cert_dir) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3
                   | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  if (cert_dir.empty()) {
    use_self_signed(ctx->native_handle());
    return ctx;
  }
  const auto cert = cert_dir + "/tls.crt";
  const auto key = cert_dir + "/tls.key";
  boost::system::error_code ec;
  if (ctx->use_certificate_chain_file(cert, ec); ec)
    throw std::runtime_error("cannot use the metrics certificate " + cert + ": " + ec.message());
  if (ctx->use_private_key_file(key, ssl::context::pem, ec); ec)
    throw std::runtime_error("cannot use the metrics key " + key + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw std::runtime_error(openssl_error("the metrics key " + key + " does not match " + cert));
  return ctx;
}

} // namespace lattice::observability
