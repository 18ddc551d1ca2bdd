#pragma once

#include "base/clock.hpp"
#include "k8s/client/kinds.hpp"
#include "k8s/client/write_fence.hpp"
#include "k8s/leader/lease_logic.hpp"
#include "k8s/model/lease.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace lattice::k8s::leader {

/// Runs leader election for one replica on one thread (client-go's
/// LeaderElector with ReleaseOnCancel). Every retry_period: read the Lease,
/// decide (lease_logic.hpp), write.
///
///              create / take over succeeded
///   [standby] ------------------------------> [leading] --+
///       ^                                        |  ^     | renew
///       +----------------------------------------+  +-----+
///         renewal failing for renew_deadline, another
///         holder seen, stop() (release: holder "")
///
/// Every write is a compare-and-swap (create when absent, PUT with the
/// resourceVersion read); a 409 means another replica wrote first.
///
/// Leadership is only re-judged between calls: give the elector a
/// rest_client of its own whose request_timeout (times its retries) stays
/// well under renew_deadline, or a hung call delays the step-down.
class leader_elector {
public:
  /// on_change(true) when this replica starts leading, on_change(false)
  /// when it stops (renewal failed for renew_deadline, another holder
  /// seen, or stop()). Called on the run() thread. Throws
  /// std::invalid_argument when check_options(options) fails.
  ///
  /// `fence` (optional): opened until renew_deadline after the start of
  /// each successful create, take-over or renewal (steady clock, measured
  /// before the read, so it always closes before another replica may take
  /// the Lease over: lease_duration > renew_deadline), closed the moment
  /// leadership ends, before on_change(false) runs.
  leader_elector(client::object_client<lease> leases, elector_options options,
                 std::function<void(bool)> on_change, const base::clock& clock = base::system_clock(),
                 std::shared_ptr<client::write_fence> fence = nullptr);

  leader_elector(const leader_elector&) = delete;
  leader_elector& operator=(const leader_elector&) = delete;

  /// Blocks: one attempt every retry_period until stop(); then, when asked
  /// to, releases the lease, and reports on_change(false) if it was leading.
  void run();

  /// Any thread; returns at once (join the run() thread to wait). Final: a
  /// later run() returns at once. `release`: if leading, write
  /// holderIdentity "" and leaseDurationSeconds 1 so a standby takes over at
  /// its next retry instead of after lease_duration.
  void stop(bool release);

  /// Any thread.
  bool leading() const;
  /// The holderIdentity last read ("" when released or absent). Any thread.
  std::string observed_holder() const;

  /// One attempt: read the Lease, decide, write, update leadership. run()
  /// calls it every retry_period; tests call it directly with an injected
  /// clock. Not concurrently with run().
  void tick();

  /// Gives up the lease if leading (what stop(true) makes run() do last).
  /// Not concurrently with run().
  void release_now();

private:
  /// A failed read or write: stop leading once renew_deadline has passed
  /// since the last successful renewal.
  void failed(const std::string& what);
  void set_leading(bool leading, const std::string& why);
  void set_holder(const std::string& holder);

  client::object_client<lease> leases_;
  elector_options options_;
  std::function<void(bool)> on_change_;
  const base::clock& clock_;
  std::shared_ptr<client::write_fence> fence_;

  // Owned by the run() thread.
  std::optional<observed_record> record_;
  /// The Lease as we last wrote it while leading (for the release).
  std::optional<lease> held_;
  time_point last_renew_{};

  std::atomic<bool> leading_{false};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::string holder_;
  bool stop_requested_ = false;
  bool release_on_stop_ = false;
};

} // namespace lattice::k8s::leader
