#pragma once

#include "base/time.hpp"
#include "k8s/result.hpp"
#include "k8s/write.hpp"
#include "lifecycle/events.hpp"
#include "lifecycle/job_model.hpp"
#include "lifecycle/job_step.hpp"
#include "scheduling/job_info.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace lattice::lifecycle {

// The job's API writes, ready to send: bodies encoded, urgency and order
// key set. A job's own objects (status, annotations, Events, Services)
// carry its key, so they go one at a time in order; its pod writes carry
// none and run on every free gateway.

/// Merge patch of the intended status (the model's lastReconcileTime included).
k8s::write status_write(const job_model& job);

/// Merge patch of the persisted autoscaler state (annotations).
k8s::write annotations_write(const job_model& job, const job_config& config);

/// A core/v1 Event on the TrainingJob (kubectl describe), named
/// event_name(job, now, serial).
k8s::write event_write(const job_model& job, const job_config& config, const event_text& text,
                       base::time_point now, std::uint64_t serial);

/// `<job>.<nanoseconds><serial>`, a valid object name (a DNS subdomain of at
/// most 253 characters) for every valid job name: a name too long for the
/// suffix is cut and marked with 8 hex characters of its SHA-256
/// (`<job[:n]>-<hash8>.<suffix>`). Deterministic: the same job, time and
/// serial give the same name.
std::string event_name(std::string_view job, base::time_point now, std::uint64_t serial);

/// Create of worker `placement.index` pinned to `placement.node`, built for
/// the job's current size.
k8s::result<k8s::write> worker_create(const job_model& job, const job_config& config,
                                      const scheduling::worker_placement& placement);

/// Create of the rendezvous pod (injected jobs).
k8s::result<k8s::write> rendezvous_create(const job_model& job, const job_config& config);

/// Create of the headless `<job>-workers` Service.
k8s::write workers_service_create(const job_model& job, const job_config& config);

/// Create of the `<job>-rendezvous` Service (injected jobs).
k8s::write rendezvous_service_create(const job_model& job, const job_config& config);

/// Delete of pod `pod` (uid precondition); `force`: grace period 0. A live
/// pod's delete frees GPUs a waiting job may be placed on, so it goes
/// before bookkeeping; a finished or terminating pod's frees nothing now.
k8s::write pod_delete(const job_model& job, const pod_record& pod, bool force);

/// Delete of the TrainingJob itself (uid precondition; ttlSecondsAfterFinished).
k8s::write job_delete(const job_model& job);

} // namespace lattice::lifecycle
