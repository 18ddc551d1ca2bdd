#pragma once

#include "base/clock.hpp"
#include "lifecycle/job_step.hpp"
#include "protocol/autoscaler_actor.hpp"
#include "protocol/gateway_actor.hpp"
#include "protocol/probe_actor.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lattice::observability {
class metrics;
}

namespace lattice::actors {

/// What every job actor shares: the transition's settings and the handles
/// it talks to.
struct job_settings {
  lifecycle::job_config config;
  /// Every API write goes here: the write dispatcher in front of the
  /// gateways, which keeps a job's own writes in order (their order_key).
  protocol::gateway_actor writes;
  /// How many gateways the dispatcher sends to (the actors gauge).
  std::size_t gateway_count = 0;
  protocol::autoscaler_actor autoscaler;
  /// Counters and gauges; null in tests that do not look at them.
  std::shared_ptr<observability::metrics> metrics;
  /// The namespace TrainingJobs are watched in ("" = all). The router keeps
  /// no pod of a job outside it: that job is never seen.
  std::string watch_namespace;
  /// Throughput reports: the probe actors (actors/throughput_probe.hpp;
  /// none: no polling), how often each running injected job's agent is
  /// asked (0: never); the port is the job's (lifecycle::agent_status_port_of).
  std::vector<protocol::probe_actor> probes;
  std::chrono::milliseconds throughput_poll_interval{0};
  /// Wall and steady time (actors/actor_clock.hpp); the router and
  /// spawn_job_actor fill in CAF's clock over the system clock when unset.
  std::shared_ptr<base::clock> clock;
};

} // namespace lattice::actors
