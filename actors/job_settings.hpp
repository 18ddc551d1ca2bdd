#pragma once

#include "lifecycle/job_status.hpp"
#include "protocol/autoscaler_actor.hpp"
#include "protocol/gateway_actor.hpp"
#include "scheduling/time.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace lattice::observability {
class metrics;
}

namespace lattice::actors {

/// What every job actor shares: configuration and the handles it talks to.
struct job_settings {
  /// CRD group: labels, annotations, owner apiVersion.
  std::string api_group = "breezeml.ai";
  /// The operator's own image (agent installer init container).
  std::string operator_image;
  std::string gpu_resource = "nvidia.com/gpu";
  /// Requeue timings (rule 5) and the group, for lifecycle::evaluate.
  lifecycle::evaluation_config evaluation;
  /// Where rendezvous pods run: the chart's nodeSelector and tolerations.
  std::map<std::string, std::string> rendezvous_node_selector;
  std::string rendezvous_tolerations_json = "[]";
  /// Every API write goes here: the write dispatcher in front of the
  /// gateways, which keeps a job's own writes in order (their order_key).
  protocol::gateway_actor writes;
  /// How many gateways the dispatcher sends to (the actors gauge).
  std::size_t gateway_count = 0;
  protocol::autoscaler_actor autoscaler;
  /// Counters and gauges; null in tests that do not look at them.
  std::shared_ptr<observability::metrics> metrics;
  std::function<scheduling::time_point()> wall_clock = [] { return std::chrono::system_clock::now(); };
  /// A create or delete not confirmed by the watch within this time is
  /// forgotten, so the next pass may try again.
  std::chrono::milliseconds expectation_timeout{30'000};
  /// Re-check interval while something is in flight (expectations, pods
  /// terminating).
  std::chrono::milliseconds resync_interval{5'000};
  /// A status change that only moves replica counts waits this long, so
  /// the counts of workers starting or finishing together go out in one
  /// write; stage, size, times and a condition's type, status or reason
  /// are written at once (lifecycle/status_write.hpp).
  std::chrono::milliseconds status_flush_delay{1'000};
  /// A change of condition messages only (the planner's reason for a
  /// waiting job) waits this long: they change with every plan, and a long
  /// queue would rewrite every waiting job (with 30 s, 1,500 waiting jobs
  /// still cost ~8 writes/s). Inspection shows them live.
  std::chrono::milliseconds status_message_delay{300'000};
  /// Events' source.host: this replica's identity.
  std::string identity;
};

/// The one copy every job actor shares, with the derived fields filled in.
std::shared_ptr<const job_settings> share(job_settings settings);

} // namespace lattice::actors
