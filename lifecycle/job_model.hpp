#pragma once

#include "base/time.hpp"
#include "k8s/model/pod.hpp"
#include "k8s/model/training_job.hpp"
#include "lifecycle/expectations.hpp"
#include "lifecycle/node_loss.hpp"
#include "lifecycle/stage.hpp"
#include "lifecycle/status_write.hpp"
#include "scheduling/job_info.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lattice::lifecycle {

/// What a job keeps of one pod it controls: read once from the decoded pod
/// when the watch reports it (labels, annotations and container statuses
/// are not kept), so a pass over the job's pods parses nothing.
struct pod_record {
  std::string name;
  std::string uid;
  /// The uid of the TrainingJob that controls it (controller ownerReference).
  std::string owner_uid;
  k8s::pod_phase phase = k8s::pod_phase::unknown;
  /// status.reason ("Evicted", ...).
  std::string reason;
  /// `<group>/replica-index`; nullopt for pods that are not workers (the
  /// rendezvous pod) and for malformed labels.
  std::optional<std::int32_t> index;
  /// spec.nodeName, else the node the worker is pinned to (`<group>/node`):
  /// a Pending worker has no spec.nodeName yet.
  std::string node;
  /// status.podIP: where the operator reads the agent's throughput ("" until set).
  std::string pod_ip;
  /// `<group>/world-size`: the job size the worker's environment was built for.
  std::optional<std::int32_t> built_for_size;
  /// metadata.deletionTimestamp is set: the pod is being deleted.
  bool terminating = false;
  /// That timestamp (the end of the grace period), when it parses.
  std::optional<base::time_point> deletion_deadline;
  /// The Ready condition.
  k8s::condition_status ready = k8s::condition_status::unknown;
  /// Container restarts, summed over the pod's containers.
  std::int64_t restarts = 0;
  /// DisruptionTarget is True: removed for a cause outside the worker
  /// (PodGC after its node was deleted, eviction, preemption, taint manager).
  bool disrupted = false;

  bool is_worker() const { return index.has_value(); }
  /// Holds (or will hold) resources: neither finished nor being deleted.
  bool live() const {
    return !terminating && phase != k8s::pod_phase::succeeded && phase != k8s::pod_phase::failed;
  }
  /// Failed for a cause outside the worker, so it is replaced and not
  /// charged against backoffLimit: its node (status.reason Evicted,
  /// NodeLost, NodeShutdown, Shutdown), a DisruptionTarget condition
  /// (DeletionByPodGC when its node was deleted, eviction, preemption), or
  /// a deletion already under way when it failed (the operator moving it off
  /// a lost node, a user's delete): the deletion stopped it.
  bool node_failure() const;
  friend bool operator==(const pod_record& a, const pod_record& b);
};

/// The record of `pod` in a job of CRD group `api_group`.
pod_record make_pod_record(const k8s::pod& pod, const std::string& api_group);

/// The status the operator intends for the job and writes back: typed
/// where the operator computes with it (stage, times), API text where it
/// only carries it (execStatus: conditions, replica counts).
struct job_status {
  lifecycle::stage stage = lifecycle::stage::unset;
  std::int32_t current_size = 0;
  std::optional<base::time_point> submit_time;
  std::optional<base::time_point> queued_time;
  std::optional<base::time_point> last_exec_time;
  std::optional<base::time_point> completion_time;
  std::optional<base::time_point> requeue_time;
  std::optional<base::time_point> cooldown_time;
  k8s::exec_status exec;
  /// Why the job is in its stage: a one-word reason and its details
  /// (lifecycle/status_fields.hpp, explain_status).
  std::string reason;
  std::string message;
  /// GPUs the current workers hold, and would hold at maxSize.
  std::optional<std::int64_t> gpus_held;
  std::optional<std::int64_t> gpus_wanted;
  /// Place among the waiting jobs in the autoscaler's last plan (1: next);
  /// nullopt unless waiting.
  std::optional<std::int32_t> queue_position;
  /// The newest kept throughput report of the current size and placement
  /// (lifecycle/job_throughput.hpp); unset while there is none.
  std::optional<k8s::throughput_status> throughput;
};

/// The status as the API writes it (RFC 3339 times).
k8s::training_job_status to_api(const job_status& status);
/// A stored status as the model holds it; malformed times read as absent.
job_status status_from_api(const k8s::training_job_status& status);

/// Autoscaler state the CRD's status has no field for, kept in annotations
/// on the TrainingJob (docs/design/operator.md, "Persisted autoscaler state").
struct persisted_state {
  /// Consecutive schedule failures (rule 5).
  std::int32_t schedule_failures = 0;
  /// Failed workers counted against backoffLimit (deleted to be retried).
  std::int64_t worker_failures = 0;
  /// When the stage or size last changed (rule 6).
  std::optional<base::time_point> last_resize_time;
  /// GPU-seconds (worker-seconds without GPUs) the job ran before
  /// last_resize_time: the planner's attained service adds the time since.
  double attained_service = 0;
  friend bool operator==(const persisted_state& a, const persisted_state& b) {
    return a.schedule_failures == b.schedule_failures && a.worker_failures == b.worker_failures
           && a.last_resize_time == b.last_resize_time && a.attained_service == b.attained_service;
  }
};

/// The annotations of `job` as persisted state; missing or malformed values
/// read as 0 / never.
persisted_state persisted_from(const k8s::object_meta& job, const std::string& api_group);

/// A TrainingJob and its pods as the job actor knows them: built from the
/// first watch event, updated by every later one, by decisions and by the
/// answers to the job's writes. Everything lifecycle/job_transition.hpp
/// decides from.
struct job_model {
  std::string namespace_;
  std::string name;

  /// The TrainingJob as last seen. Its status is the stored one while
  /// standing by; once this replica leads and owns `status`, only the
  /// stored stage and size are kept (inspection).
  std::optional<k8s::training_job> object;
  /// The status this replica intends and writes.
  job_status status;
  persisted_state persisted;
  /// uids of Failed workers already counted in persisted.worker_failures.
  std::set<std::string> counted_failures;

  /// Every pod the job controls, by name.
  std::map<std::string, pod_record> pods;
  /// The last decision's placement; nullopt until a decision arrives.
  std::optional<std::vector<scheduling::worker_placement>> target;
  /// Why the planner keeps the job waiting or below maxSize.
  std::string planner_reason;
  /// The newest throughput report per (workers, nodes) its agent made
  /// (lifecycle/throughput_report.hpp), for the planner's scaling fit. Kept
  /// in memory only: after an operator restart the fit starts from the
  /// reports of the size the job runs at.
  std::vector<scheduling::throughput_sample> throughput;
  /// Why the last throughput report was ignored, or its request failed
  /// ("" when it was kept): inspection.
  std::string throughput_note;
  /// Creates and deletes sent and not yet seen by the watch.
  expectations creating;
  expectations deleting;
  /// Nodes of the job's pods that are lost, as their node actors said
  /// (lifecycle/lost_nodes.hpp): their pods are force-deleted at once.
  std::map<std::string, node_loss> lost_nodes;
  /// uids of pods deleted with grace period 0 (one forced delete each).
  std::set<std::string> forced_deletes;
  bool workers_service_created = false;
  bool rendezvous_service_created = false;

  /// The spec breaks a rule: the problems as one line ("" when valid), and
  /// the generation they were reported for.
  std::string invalid_message;
  std::int64_t invalid_generation = -1;
  /// Pod creates the API server refused or failed
  /// (lifecycle/pod_create_failures.hpp).
  struct pod_create_state {
    /// A permanent refusal holds for this metadata.generation (-1: none);
    /// its message is invalid_message.
    std::int64_t refused_generation = -1;
    /// Consecutive failed rounds of creates, and when the next round may go.
    std::int32_t failures = 0;
    std::optional<base::steady_time> retry_at;
    /// Since when (wall) a worker cannot be created, and which: rule 5
    /// treats it as a worker stuck Pending.
    std::optional<base::time_point> failing_since;
    std::string failing_pod;
    bool refused() const { return refused_generation >= 0; }
  } pod_creates;

  /// The finish was handled: cleanPodPolicy applied, TTL timer armed.
  bool finish_handled = false;
  /// The stored status was taken over once (first sight while leading).
  bool adopted = false;
  /// The next job event checks the stored status against the pods that
  /// exist (set when this replica starts leading).
  bool check_adoption = true;

  /// Status writes: one in flight at a time, the latest status wins.
  struct status_writes {
    /// The intended status differs from what was last written.
    bool dirty = false;
    bool in_flight = false;
    /// Hashes of the last written status (zeros: none yet).
    status_signature written;
    /// When the armed flush timer fires; nullopt: none armed.
    std::optional<base::steady_time> flush_due;
    /// A job just admitted: its status waits until then for its workers to
    /// run (lifecycle/job_pass.hpp, write_status); nullopt: no hold.
    std::optional<base::steady_time> admission_hold_until;
    /// The resourceVersion the write in flight (or the last one) was based on.
    std::string sent_version;
    /// A write based on this resourceVersion got 409 (the job changed since):
    /// none goes again until the watch brings a newer version ("": none).
    std::string conflicted_version;
  } status_write;

  /// Timer generations: a timer whose generation is not the current one is
  /// stale and ignored. They only ever grow; a reset (a job deleted and
  /// created again) moves each past every timer the old incarnation armed.
  struct timer_generations {
    std::uint64_t requeue = 0;
    std::uint64_t deadline = 0;
    std::uint64_t ttl = 0;
    std::uint64_t resync = 0;
    std::uint64_t status_flush = 0;
    bool resync_armed = false;
    /// When the armed resync timer fires (a create backoff may want it sooner).
    std::optional<base::steady_time> resync_due;
    /// The wall time the armed deadline timer fires for; nullopt: none armed.
    std::optional<base::time_point> deadline_due;
    /// The wall time the armed requeue timer fires at; nullopt: none armed.
    /// A later requeue time waits for it (one timer, however often a
    /// worker flips between Pending and Running).
    std::optional<base::time_point> requeue_due;
  } timers;

  /// Latency figures (steady clock).
  struct timing {
    /// The last decision that changed the placement, until all its workers run.
    std::optional<base::steady_time> applied_at;
    /// The same decision, until every worker it places is created; `sent`:
    /// it needed a create.
    std::optional<base::steady_time> create_started;
    bool create_sent = false;
    /// Since when the job waits for admission (nullopt: admitted, suspended
    /// or not seen waiting yet).
    std::optional<base::steady_time> queued_at;
  } timing;

  /// What the autoscaler was last told ("" = nothing, or gone).
  std::string sent_fingerprint;

  /// The last few Events and failed writes, newest last (inspection).
  std::vector<std::string> recent;
  std::uint64_t writes = 0;
  std::uint64_t write_failures = 0;
  std::uint64_t event_serial = 0;
  /// How long the watch has to show a create or delete that was answered.
  std::chrono::milliseconds expectation_timeout;

  job_model() : job_model({}, {}, std::chrono::milliseconds(30'000)) {}
  job_model(std::string ns, std::string job_name, std::chrono::milliseconds expectation_timeout);

  /// "namespace/name".
  std::string key() const { return namespace_ + "/" + name; }
  /// Succeeded or Failed condition true, or a terminal stage.
  bool finished() const;
  /// Adds a line to `recent` (at most ten kept).
  void remember(std::string line);
  /// A new incarnation (the TrainingJob deleted and created again under the
  /// same name): everything goes except the pods (the caller keeps those the
  /// new uid controls) and the inspection counters; the timer generations
  /// move on, so the old incarnation's timers are stale.
  void reset();
};

} // namespace lattice::lifecycle
