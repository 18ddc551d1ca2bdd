#pragma once

#include "k8s/client/object_client.hpp"
#include "k8s/http/transport.hpp"
#include "k8s/model/lease.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace lattice::k8s::test {

/// An in-memory API server holding one Lease, with the server's
/// optimistic concurrency: POST answers 409 when the Lease exists, PUT 409
/// when the body's resourceVersion is not the stored one, and every write
/// bumps the resourceVersion. Shared by several electors like a real server.
class fake_lease_api final : public http::transport {
public:
  /// The stored Lease (tests may read or overwrite it between calls).
  std::optional<lease> stored;
  /// While true every request fails with a 500 (API server unreachable).
  bool down = false;
  /// Runs once before the next write is applied (a concurrent writer).
  std::function<void(fake_lease_api&)> before_next_write;
  int writes = 0;

  result<http::response> round_trip(const http::request& req, std::chrono::milliseconds timeout) override;
  result<stream_or_response> open_stream(const http::request& req, std::chrono::milliseconds,
                                         std::chrono::milliseconds) override;

  /// Stores `l` as another writer would: a new resourceVersion.
  void put(lease l);

private:
  http::response apply_write(const http::request& req);

  std::mutex mutex_;
  int next_version_ = 1;
};

/// A lease client over `api`: no rate limit, no retries.
client::object_client<lease> lease_client(std::shared_ptr<fake_lease_api> api);

} // namespace lattice::k8s::test
