#pragma once

#include "actors/write_queue.hpp"
#include "observability/metrics.hpp"
#include "protocol/gateway_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <vector>

namespace lattice::actors {

/// A write waiting for a gateway or for its answer.
struct pending_write {
  protocol::api_call call;
  caf::typed_response_promise<protocol::api_result> promise;
  /// When the dispatcher took it (the queue wait's start).
  caf::actor_clock::time_point queued_at;
};

struct write_dispatcher_state {
  static inline const char* name = "lattice.writes";

  /// Gateways with no call in flight, the longest idle first: taking them in
  /// turn keeps every gateway's connection warm for the next burst.
  std::deque<protocol::gateway_actor> idle;
  write_queue<pending_write> backlog;
  /// Sent and not answered yet, by a sequence number.
  std::map<std::uint64_t, pending_write> in_flight;
  /// Gateways still alive: idle or with a write in flight. One that fails
  /// with a CAF error (it is gone) is not given another write.
  std::size_t gateways = 0;
  std::uint64_t sent = 0;
  /// This replica holds the Lease (or elects no leader): writes are taken.
  bool leading = true;
  /// lattice_write_queue_length and lattice_write_queue_wait_seconds by
  /// class; null: nothing is recorded.
  std::shared_ptr<observability::metrics> metrics;
};

/// How long creates on a node wait for deletes the autoscaler announced
/// (gpus_freeing) that have not come: the victims' job actors send them
/// within milliseconds; one with nothing left to delete sends none.
inline constexpr std::chrono::milliseconds default_frees_wait{2'000};

/// Every API write goes through here (docs/design/operator.md, "Writes"):
/// it keeps one call in flight on each gateway and sends the backlog in the
/// order of write_queue (urgency by weight, frees before starts on a node,
/// one at a time per order_key), so the slowest call holds up one gateway,
/// not the calls queued behind it, and a job's 64 creates go out over every
/// gateway that is free. A gateway that fails with a CAF error (it is gone)
/// gets no more writes; with none left, writes are answered "cancelled". At
/// exit every write not answered yet is answered "cancelled".
///
/// Fencing: set_leader{false} (the Lease is lost or given up) answers the
/// whole backlog "cancelled" at once and every write that comes after it,
/// until set_leader{true}. Writes in flight are the gateways' to refuse:
/// their write fence is closed by then (k8s/client/write_fence.hpp), so
/// none leaves the process; their answers come back "cancelled".
protocol::write_dispatcher_actor::behavior_type
write_dispatcher(protocol::write_dispatcher_actor::stateful_pointer<write_dispatcher_state> self,
                 std::vector<protocol::gateway_actor> gateways, std::chrono::milliseconds frees_wait,
                 std::shared_ptr<observability::metrics> metrics);

protocol::write_dispatcher_actor
spawn_write_dispatcher(caf::actor_system& sys, std::vector<protocol::gateway_actor> gateways,
                       std::chrono::milliseconds frees_wait = default_frees_wait,
                       std::shared_ptr<observability::metrics> metrics = nullptr);

} // namespace lattice::actors
