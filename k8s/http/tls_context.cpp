#include "k8s/http/tls_context.hpp"

#include "k8s/auth/server_url.hpp"

#include <boost/asio/buffer.hpp>

namespace lattice::k8s::http {

namespace ssl = boost::asio::ssl;

result<std::shared_ptr<ssl::context>> make_tls_context(const auth::cluster_config& config) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3
                       | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (config.insecure_skip_tls_verify) {
    ctx->set_verify_mode(ssl::verify_none, ec);
  } else {
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (config.ca_pem.empty())
      ctx->set_default_verify_paths(ec);
    else
      ctx->add_certificate_authority(boost::asio::buffer(config.ca_pem), ec);
    if (ec)
      return auth::config_error(config.origin + ": the certificate authority is not a valid PEM certificate ("
                                + ec.message() + ")");
  }
  if (!config.client_cert_pem.empty()) {
    ctx->use_certificate_chain(boost::asio::buffer(config.client_cert_pem), ec);
    if (ec)
      return auth::config_error(config.origin + ": the client certificate is not a valid PEM certificate ("
                                + ec.message() + ")");
    ctx->use_private_key(boost::asio::buffer(config.client_key_pem), ssl::context::pem, ec);
    if (ec)
      return auth::config_error(config.origin + ": the client key is not a valid PEM key or does not match ("
                                + ec.message() + ")");
  }
  return ctx;
}

} // namespace lattice::k8s::http
