#pragma once

#include "k8s/model/pod.hpp"
#include "k8s/model/training_job.hpp"
#include "k8s/write.hpp"
#include "lifecycle/job_model.hpp"
#include "lifecycle/job_step.hpp"
#include "lifecycle/job_validation.hpp"
#include "lifecycle/node_loss.hpp"
#include "scheduling/plan.hpp"

#include <cstdint>
#include <optional>

// A TrainingJob's behaviour as a pure transition: each function applies one
// event to the job's model and returns the effects the event calls for
// (writes, timers, the autoscaler's news, metrics, log lines). No clock, no
// I/O: the actor (actors/job_actor.hpp) reads the time, feeds the event in
// and carries the effects out. The state machine is drawn at the top of
// lifecycle/job_transition.cpp.
//
// Two modes: the leading replica owns the job's status and writes it (the
// on_* functions); a standby follows the stored status, keeps the
// autoscaler's snapshot warm and writes nothing (the follow_* functions).

namespace lattice::lifecycle {

/// The TrainingJob as a watch event reported it.
effects on_job_seen(job_model& job, k8s::training_job object, const job_config& config, instant now);
/// A version of the TrainingJob the decoder refused: `object` holds only its
/// metadata (and the status, when that decodes). The same outcome as a spec
/// that fails validation: the InvalidSpec condition and an Event naming
/// `field`, the job out of the autoscaler's queue. The last decoded spec
/// stays and nothing is deleted; a later version that decodes is reconciled
/// as usual.
effects on_job_undecodable(job_model& job, k8s::training_job object, const field_problem& problem,
                           const job_config& config, instant now);
effects follow_job_undecodable(job_model& job, k8s::training_job object, const field_problem& problem,
                               const job_config& config, instant now);
/// One of the job's pods was added or changed (ignored unless the job
/// controls it).
effects on_pod_seen(job_model& job, const k8s::pod& pod, const job_config& config, instant now);
/// One of the job's pods was deleted (its last known state).
effects on_pod_gone(job_model& job, const k8s::pod& pod, const job_config& config, instant now);
/// The autoscaler's decision (rules 2-4), and the job's place among the
/// waiting jobs in that plan (nullopt: not waiting).
effects on_decision(job_model& job, const scheduling::job_decision& decision, const job_config& config,
                    instant now, std::optional<std::int32_t> queue_position = std::nullopt);
/// A timer fired; a stale generation does nothing.
effects on_timer(job_model& job, timer_kind kind, std::uint64_t generation, const job_config& config,
                 instant now);
/// The answer to one of the job's writes (`verb` on object `name`).
effects on_write_answered(job_model& job, k8s::write_verb verb, const std::string& name,
                          const write_result& result, const job_config& config, instant now);
/// This replica starts leading: it checks the stored status against the
/// pods that exist and tells the (new) autoscaler everything again.
effects on_lead_gained(job_model& job, const job_config& config, instant now);
/// The node actor says `node`, where pods of the job are bound, is lost
/// (deleted, or NotReady past unresponsive_node_after) or back (none): the
/// pods it frees are force-deleted at once (lifecycle/lost_nodes.hpp).
effects on_node_lost(job_model& job, const std::string& node, node_loss loss, const job_config& config,
                     instant now);
/// The TrainingJob was deleted: the autoscaler forgets it (its pods and
/// Services go with it through their ownerReferences).
effects on_job_removed(job_model& job);

/// A standby's view of the same events: the stored status adopted, the
/// autoscaler told, nothing written.
effects follow_job_seen(job_model& job, k8s::training_job object, const job_config& config, instant now);
effects follow_pod_seen(job_model& job, const k8s::pod& pod, const job_config& config, instant now);
effects follow_pod_gone(job_model& job, const k8s::pod& pod, const job_config& config, instant now);
effects follow_timer(job_model& job, timer_kind kind, std::uint64_t generation, const job_config& config,
                     instant now);
effects follow_write_answered(job_model& job, k8s::write_verb verb, const std::string& name,
                              const write_result& result, const job_config& config, instant now);
effects follow_node_lost(job_model& job, const std::string& node, node_loss loss, const job_config& config,
                         instant now);
/// This replica stops leading: it writes nothing more, and its (standby)
/// autoscaler hears the job again.
effects on_lead_lost(job_model& job, const job_config& config, instant now);

} // namespace lattice::lifecycle
