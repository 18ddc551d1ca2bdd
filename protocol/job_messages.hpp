#pragma once

#include "k8s/model/pod.hpp"
#include "k8s/model/training_job.hpp"
#include "protocol/type_ids.hpp"
#include "scheduling/plan.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

// Messages never leave the process (no caf::io), so each inspect() names an
// identifying summary only: enough for to_string() in logs and test failures
// without inspect() overloads for every k8s/scheduling struct. A serializer
// would therefore NOT round-trip the payload.

namespace lattice::protocol {

/// router -> job: the TrainingJob as decoded from a watch event.
struct job_observed {
  k8s::training_job job;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_observed& x) {
  return f(caf::meta::type_name("job_observed"), x.job.meta.namespace_, x.job.meta.name,
           x.job.meta.resource_version);
}

/// router -> job: the TrainingJob was deleted.
struct job_removed {
  std::string namespace_;
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_removed& x) {
  return f(caf::meta::type_name("job_removed"), x.namespace_, x.name);
}

/// router -> job: a version of the TrainingJob the decoder refused. `job`
/// holds only what could be read alone (metadata, and the status when it
/// decodes); `field` and `message` say what was refused.
struct job_undecodable {
  k8s::training_job job;
  std::string field;
  std::string message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_undecodable& x) {
  return f(caf::meta::type_name("job_undecodable"), x.job.meta.namespace_, x.job.meta.name,
           x.job.meta.resource_version, x.field);
}

/// router -> job (by owner label), -> node (by nodeName): a pod was added or changed.
struct pod_observed {
  k8s::pod pod;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pod_observed& x) {
  return f(caf::meta::type_name("pod_observed"), x.pod.meta.namespace_, x.pod.meta.name, x.pod.node_name,
           x.pod.meta.resource_version);
}

/// router -> job, -> node: a pod was deleted (its last known state).
struct pod_removed {
  k8s::pod pod;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pod_removed& x) {
  return f(caf::meta::type_name("pod_removed"), x.pod.meta.namespace_, x.pod.meta.name, x.pod.node_name);
}

/// autoscaler -> job: the planner's decision for this job, and its place
/// among the jobs the plan leaves waiting (1: admitted next; 0: not waiting).
struct job_decision {
  scheduling::job_decision decision;
  std::int32_t queue_position = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_decision& x) {
  return f(caf::meta::type_name("job_decision"), x.decision.namespace_, x.decision.name, x.decision.size,
           x.decision.changed, x.decision.reason, x.queue_position);
}

/// job -> self: rule 5's requeue timeout; ignored unless `generation` is current.
struct requeue_timer {
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, requeue_timer& x) {
  return f(caf::meta::type_name("requeue_timer"), x.generation);
}

/// job -> self: activeDeadlineSeconds elapsed; ignored unless `generation` is current.
struct deadline_timer {
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, deadline_timer& x) {
  return f(caf::meta::type_name("deadline_timer"), x.generation);
}

/// job -> self: ttlSecondsAfterFinished elapsed; ignored unless `generation` is current.
struct ttl_timer {
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ttl_timer& x) {
  return f(caf::meta::type_name("ttl_timer"), x.generation);
}

/// job -> self: re-check expectations and pods stuck terminating;
/// ignored unless `generation` is current.
struct resync_timer {
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resync_timer& x) {
  return f(caf::meta::type_name("resync_timer"), x.generation);
}

/// job -> self: write the status now if replica counts changed since the
/// last write (counts-only changes are coalesced); ignored unless
/// `generation` is current.
struct status_flush_timer {
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status_flush_timer& x) {
  return f(caf::meta::type_name("status_flush_timer"), x.generation);
}

} // namespace lattice::protocol
