#pragma once

#include "base/clock.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>

namespace lattice::k8s::client {

/// Whether this replica may still write to the API server: the fence that
/// keeps a replica which lost its Lease (paused, partitioned, slow) from
/// writing after another one took over. The leader elector opens it until
/// `renew_deadline` after the start of each successful renewal and closes
/// it when leadership ends; the gateways ask it right before each request
/// leaves the process (k8s::client::send_write), so a write queued or
/// retrying when the deadline passes is never sent. It reads the steady
/// clock, which runs on while the process is stopped (SIGSTOP): a replica
/// resumed past its deadline finds the fence closed before its elector has
/// even asked the API server. Thread-safe (one atomic).
class write_fence {
public:
  /// Closed until the first open_until().
  explicit write_fence(const base::clock& clock = base::system_clock()) : clock_(&clock) {}

  write_fence(const write_fence&) = delete;
  write_fence& operator=(const write_fence&) = delete;

  /// Writes may go until `until` (steady time); a later call moves it.
  void open_until(base::steady_time until) { until_.store(until.time_since_epoch().count()); }
  /// Writes may go until close() (no leader election).
  void open_for_good() { until_.store(forever); }
  /// No write goes from now on (leadership lost or given up).
  void close() { until_.store(closed); }

  /// May a write leave now?
  bool open() const {
    const auto until = until_.load();
    return until == forever || (until != closed && clock_->steady().time_since_epoch().count() < until);
  }

private:
  using rep = base::steady_time::duration::rep;
  static constexpr rep closed = INT64_MIN;
  static constexpr rep forever = INT64_MAX;

  const base::clock* clock_;
  std::atomic<rep> until_{closed};
};

} // namespace lattice::k8s::client
