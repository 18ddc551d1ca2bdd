#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace lattice::observability {

/// A TLS 1.2+ server context with the certificate and key of `cert_dir`
/// (tls.crt, tls.key: the layout of a kubernetes.io/tls Secret mounted as a
/// volume), or, when `cert_dir` is empty, a self-signed certificate (EC
/// P-256, one year, CN lattice-operator) made now. Throws
/// std::runtime_error naming the file when one cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const std::string& cert_dir);

} // namespace lattice::observability
