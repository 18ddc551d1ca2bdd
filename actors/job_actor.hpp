#pragma once

#include "actors/job_settings.hpp"
#include "actors/job_state.hpp"
#include "protocol/job_actor.hpp"

#include <caf/actor_system.hpp>

namespace lattice::actors {

/// One actor per TrainingJob (docs/design/operator.md "Job actor state
/// machine"). Observations (the job, its pods) and decisions come in;
/// status, pods, Services and Events go out through the write dispatcher.
///
///            observed (valid)                decision(running, n)
///  [new] ------------------------> [waiting] ---------------------> [running]
///    | invalid: condition+Event       ^  ^  requeue timer: a worker      |  all workers Succeeded
///    v                                |  |  still Pending (rule 5)       v
///  [invalid] (re-checked on spec      |  +-------------------------- [completed]
///            change)                  |  preempted (decision waiting)    |  failures > backoffLimit,
///                                     +----------------------------------+  activeDeadlineSeconds
///                                                                        v
///                                                                     [failed] -> ttl timer: delete job
/// A standby (set_leader false) follows the stored status and writes nothing.
protocol::job_actor::behavior_type job_actor(protocol::job_actor::stateful_pointer<job_state> self,
                                             std::shared_ptr<const job_settings> settings,
                                             std::string namespace_, std::string name, bool leader);

/// Spawns the actor for TrainingJob `namespace_/name`.
protocol::job_actor spawn_job_actor(caf::actor_system& sys, job_settings settings, std::string namespace_,
                                    std::string name, bool leader);

} // namespace lattice::actors
