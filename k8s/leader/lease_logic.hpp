#pragma once

#include "base/time.hpp"
#include "k8s/model/lease.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lattice::k8s::leader {

// Leader election on a coordination.k8s.io/v1 Lease, client-go's
// leaderelection semantics. This file is the pure part: given what was read,
// what to write. leader_elector.hpp does the I/O.
//
//   absent ----------------------------------------------> create
//   held by us -------------------------------------------> renew
//   released (holder "") or expired on our clock ----------> take over
//   held by another, unexpired on our clock ---------------> stand by
//
// Expiry is judged on this replica's own clock: a record (holder, times,
// transitions) counts from the moment we first saw it, never from the
// holder's renewTime, so replicas need no synchronised clocks.

using base::time_point;

/// What the elector needs; defaults are client-go's.
struct elector_options {
  std::string lease_name;
  std::string lease_namespace;
  /// Written to spec.holderIdentity; unique per replica (the pod name).
  std::string identity;
  /// How long a standby waits after the last change it saw before taking over.
  std::chrono::milliseconds lease_duration{15000};
  /// How long the leader keeps failing to renew before it stops leading.
  std::chrono::milliseconds renew_deadline{10000};
  /// Time between two attempts (acquire or renew).
  std::chrono::milliseconds retry_period{2000};
};

/// Empty when usable, else what is wrong (names empty, or not
/// retry_period < renew_deadline < lease_duration).
std::string check_options(const elector_options& options);

/// `d` as leaseDurationSeconds: rounded up, at least 1.
std::int32_t whole_seconds(std::chrono::milliseconds d);

/// What this replica remembers of the lease between two attempts.
struct observed_record {
  std::string holder;
  std::string acquire_time;
  std::string renew_time;
  std::int32_t lease_duration_seconds = 0;
  std::int32_t lease_transitions = 0;
  /// Our clock when we first saw these exact values.
  time_point seen_at{};
};

/// `current` as a record: `previous`'s seen_at when nothing changed, else `now`.
observed_record observe(const lease& current, const std::optional<observed_record>& previous, time_point now);

/// When a record stops protecting its holder on our clock: seen_at plus its
/// leaseDurationSeconds (options.lease_duration when the lease has none).
time_point expiry(const observed_record& record, const elector_options& options);

enum class lease_action {
  create,    ///< no Lease yet: POST one naming us
  take_over, ///< released or expired: PUT naming us (leaseTransitions + 1)
  renew,     ///< we hold it: PUT with a new renewTime
  stand_by,  ///< another replica holds an unexpired lease: write nothing
};

const char* to_string(lease_action action);

struct lease_decision {
  lease_action action = lease_action::stand_by;
  /// The Lease to write (not for stand_by). Updates carry the observed
  /// metadata (resourceVersion), so the PUT is a compare-and-swap; a create
  /// carries none.
  lease to_write;
  /// What we now know of the lease (unset when it was absent).
  std::optional<observed_record> record;
};

/// One step of client-go's tryAcquireOrRenew. `current`: the Lease as just
/// read (nullopt on 404); `previous`: the record kept from the last step.
lease_decision decide(const std::optional<lease>& current, const std::optional<observed_record>& previous,
                      const elector_options& options, time_point now);

/// The update that gives up a lease we hold (client-go's ReleaseOnCancel):
/// holderIdentity "", leaseDurationSeconds 1, times now, transitions kept,
/// metadata kept for the compare-and-swap.
lease released(const lease& held, time_point now);

} // namespace lattice::k8s::leader
