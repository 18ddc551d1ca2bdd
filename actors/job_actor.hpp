#pragma once

#include "actors/job_settings.hpp"
#include "lifecycle/job_model.hpp"
#include "protocol/job_actor.hpp"

#include <caf/actor_system.hpp>

#include <memory>
#include <optional>
#include <string>

namespace lattice::actors {

/// The job actor's state: the job's model (lifecycle/job_model.hpp) and
/// what only the actor knows (its mode, the stage it counts in the gauge).
struct job_actor_state {
  static inline const char* name = "lattice.job";

  /// Shared by every job actor (one copy, not thousands).
  std::shared_ptr<const job_settings> settings;
  lifecycle::job_model model;
  /// This replica leads: the actor writes.
  bool leading = false;
  /// The stage the jobs-by-stage gauge counts this job under (nullopt: none).
  std::optional<lifecycle::stage> gauge_stage;
  /// A throughput request to the job's agent is on its way (one at a time).
  bool probe_in_flight = false;
};

/// One actor per TrainingJob: a shell around lifecycle/job_transition.hpp.
/// It reads the time, feeds each message to the transition as an event and
/// carries out the effects: writes to the write dispatcher (whose answers
/// come back as events), timers as delayed messages to itself, news to the
/// autoscaler, metrics and log lines. Two modes, each a behaviour:
///
///              set_leader{true}: on_lead_gained
///   [standby] ---------------------------------> [leading]
///       ^  follow_*: adopt the stored status,        |  on_*: the state machine of
///       |  report to the autoscaler, write nothing   |  lifecycle/job_transition.cpp
///       +--------------------------------------------+
///              set_leader{false}: on_lead_lost
///
/// job_removed ends either: the autoscaler forgets the job, the actor quits.
protocol::job_actor::behavior_type job_actor(protocol::job_actor::stateful_pointer<job_actor_state> self,
                                             std::shared_ptr<const job_settings> settings,
                                             std::string namespace_, std::string name, bool leading);

/// Spawns the actor for TrainingJob `namespace_/name` (its clock, when
/// unset, is CAF's over the system clock).
protocol::job_actor spawn_job_actor(caf::actor_system& sys, job_settings settings, std::string namespace_,
                                    std::string name, bool leading);

} // namespace lattice::actors
