#pragma once

#include "k8s/auth/cluster_config.hpp"
#include "k8s/http/tls_connection.hpp"
#include "k8s/http/transport.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace lattice::k8s::http {

/// The real transport: HTTPS/1.1 to one API server with a small pool of
/// keep-alive connections (reused across requests, replaced when the
/// server closes them) and one dedicated connection per stream.
class tls_transport final : public transport {
public:
  /// Builds the TLS context; fails with kind::config on bad PEM material.
  static result<std::shared_ptr<tls_transport>> create(auth::cluster_config config, std::size_t max_idle = 4);

  result<response> round_trip(const request& req, std::chrono::milliseconds timeout) override;
  result<stream_or_response> open_stream(const request& req, std::chrono::milliseconds connect_timeout,
                                         std::chrono::milliseconds idle_timeout) override;
  void invalidate_credentials() override;
  void cancel() override;

  const auth::cluster_config& config() const { return *config_; }
  /// Connections opened so far (to check keep-alive reuse).
  std::size_t connections_opened() const;

private:
  tls_transport(auth::cluster_config config, std::shared_ptr<boost::asio::ssl::context> tls,
                std::size_t max_idle);

  std::string token() const;
  std::unique_ptr<tls_connection> take_idle();
  void give_back(std::unique_ptr<tls_connection> conn);
  result<std::unique_ptr<tls_connection>> connect_new(tls_connection::clock_type::time_point deadline);

  // Heap-allocated so connections may hold a stable reference to it.
  std::unique_ptr<auth::cluster_config> config_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::size_t max_idle_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<tls_connection>> idle_;
  std::size_t opened_ = 0;
  /// Set by cancel(); every connection watches it.
  std::atomic<bool> cancelled_{false};
};

} // namespace lattice::k8s::http
