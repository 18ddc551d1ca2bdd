#pragma once

#include "base/time.hpp"
#include "k8s/model/pod.hpp"
#include "k8s/model/training_job.hpp"
#include "k8s/write.hpp"
#include "scheduling/job_info.hpp"
#include "scheduling/plan.hpp"
#include "scheduling/requeue.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// The vocabulary of one step of a job (lifecycle/job_transition.hpp): what
// the step needs besides the model (settings, the time), the events that
// cause a step, and the effects a step calls for.

namespace lattice::lifecycle {

/// Settings every job shares (the actor's job_settings carry one).
struct job_config {
  /// CRD group: labels, annotations, owner apiVersion.
  std::string api_group = "breezeml.ai";
  /// The operator's own image (agent installer init container).
  std::string operator_image;
  std::string gpu_resource = "nvidia.com/gpu";
  /// Worker pods are created with spec.nodeName set to their placement's
  /// node (config::autoscaler_config::bind_pods_at_create).
  bool bind_pods_at_create = false;
  /// Rule 5: requeue timeout and cooldowns.
  scheduling::requeue_config requeue;
  /// Where rendezvous pods run: the chart's nodeSelector and tolerations.
  std::map<std::string, std::string> rendezvous_node_selector;
  std::string rendezvous_tolerations_json = "[]";
  /// A create or delete not confirmed by the watch within this time is
  /// forgotten, so the next pass may try again.
  std::chrono::milliseconds expectation_timeout{30'000};
  /// Re-check interval while something is in flight (expectations, pods
  /// terminating, a failed write).
  std::chrono::milliseconds resync_interval{5'000};
  /// A status change that only moves replica counts (or requeueTime) waits
  /// this long, so the counts of workers starting or finishing together go
  /// out in one write: a 16-worker job's pods are bound and started in
  /// waves over a few seconds (lifecycle/status_write.hpp). A job just
  /// admitted waits as long for its workers to run, so its admission and
  /// its workers running are one write (0: no batching, no hold).
  std::chrono::milliseconds status_flush_delay{2'000};
  /// A job's first status write (Waiting, submitTime, queuedTime) waits
  /// this long for the autoscaler's first decision about it, unless that
  /// comes first: a job admitted at once is written once, Running, instead
  /// of Waiting and then Running a plan debounce later. 0: written at once
  /// (the operator sets it from its plan debounce: app/operator_runtime.cpp).
  std::chrono::milliseconds first_status_hold{0};
  /// A change of condition messages only (the planner's reason for a
  /// waiting job) waits this long: they change with every plan, and a long
  /// queue would rewrite every waiting job. Inspection shows them live.
  std::chrono::milliseconds status_message_delay{300'000};
  /// Events' source.host: this replica's identity.
  std::string identity;
  /// Injected workers' LATTICE_AGENT_STATUS_PORT, where the operator reads
  /// their throughput (0: not set, the agent's default).
  std::int32_t agent_status_port = 0;
  /// Throughput reports older than this are dropped (the planner's
  /// --throughput-max-age).
  std::chrono::milliseconds throughput_max_age{3'600'000};
};

/// The time of one step, read once by the actor: the wall clock (status
/// times, Events) and the steady clock (timers, expectations, latencies).
struct instant {
  base::time_point wall;
  base::steady_time steady;
};

// ---------------------------------------------------------------- events

/// The job's timers; each carries the generation it was armed with.
enum class timer_kind { requeue, deadline, ttl, resync, status_flush };

/// How one of the job's writes went.
struct write_result {
  bool ok = false;
  /// HTTP status; 0 when no answer came.
  int status = 0;
  std::string message;
  /// Not sent: the process is shutting down.
  bool cancelled = false;
};

// ---------------------------------------------------------------- effects

/// Arm timer `kind` with `generation` to fire after `delay`.
struct timer_request {
  timer_kind kind = timer_kind::resync;
  std::uint64_t generation = 0;
  std::chrono::milliseconds delay{0};
  friend bool operator==(const timer_request& a, const timer_request& b) {
    return a.kind == b.kind && a.generation == b.generation && a.delay == b.delay;
  }
};

/// The metrics a step moves (observability/metrics.hpp has the families).
enum class metric_kind {
  admission,        ///< lattice_admissions_total
  resize,           ///< lattice_resizes_total{direction=label}
  preemption,       ///< lattice_preemptions_total{reason=label}
  requeue,          ///< lattice_requeues_total{reason=label}
  job_failure,      ///< lattice_job_failures_total{reason=label}
  apply_to_running, ///< lattice_apply_to_running_seconds (value)
  apply_to_created, ///< lattice_apply_to_created_seconds (value)
  admission_wait,   ///< lattice_admission_wait_seconds (value)
};

struct metric_sample {
  metric_kind kind = metric_kind::admission;
  std::string label;
  /// Seconds, for the histograms.
  double value = 0;
};

enum class log_level { info, warn };

/// A log line about the job (the actor adds the job's name as the object).
struct log_line {
  log_level level = log_level::info;
  std::string text;
};

/// What the autoscaler should now know of the job: its job_info, or that
/// it is gone from the queue (nullopt: finished, suspended, invalid).
struct autoscaler_report {
  std::optional<scheduling::job_info> info;
};

/// Everything one step calls for, in the order it must happen.
struct effects {
  /// API writes, in the order they are to be sent.
  std::vector<k8s::write> writes;
  std::vector<timer_request> timers;
  /// Set when the autoscaler must hear something new.
  std::optional<autoscaler_report> report;
  std::vector<metric_sample> metrics;
  std::vector<log_line> logs;
};

} // namespace lattice::lifecycle
