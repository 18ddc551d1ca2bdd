#pragma once

#include "k8s/model/condition.hpp"
#include "k8s/model/resource_list.hpp"
#include "k8s/model/scheduling_constraints.hpp"
#include "k8s/object_meta.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lattice::k8s {

/// Kubeflow-style RunPolicy (DESIGN.md "TrainingJob semantics"). Optional
/// fields stay unset when the user gave none.
struct run_policy {
  /// "All", "Running", "None", or "" when unset (the operator picks the default).
  std::string clean_pod_policy;
  std::optional<std::int32_t> backoff_limit;
  std::optional<std::int64_t> active_deadline_seconds;
  std::optional<std::int32_t> ttl_seconds_after_finished;
  bool suspend = false;
};

/// What the operator needs from one container of the worker pod template.
struct container_info {
  std::string name;
  /// True when the container has a non-empty `command` (injectLattice
  /// requires one).
  bool has_command = false;
  /// The literal value of its env LATTICE_AGENT_STATUS_PORT, when set: the
  /// injected agent then serves its rate there instead of the operator's
  /// --agent-status-port, and the operator asks there.
  std::optional<std::string> agent_status_port;
};

/// What the planner needs from replicaSpecs.template, extracted at decode
/// time so nobody re-parses the raw template.
struct pod_template_info {
  /// Per-worker requests: sum over containers, each container's requests
  /// defaulting to its limits where a request is absent (as Kubernetes does).
  resource_list requests;
  /// spec.nodeSelector, sorted by key.
  std::vector<label_pair> node_selector;
  /// spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
  /// .nodeSelectorTerms (ORed); empty when there is no required affinity.
  std::vector<node_selector_term> required_node_terms;
  std::vector<toleration> tolerations;
  std::vector<container_info> containers;
  /// spec.nodeName: refused by validation (the operator places each worker).
  std::string node_name;
};

struct training_job_spec {
  std::int32_t min_size = 1;
  std::int32_t max_size = 1;
  std::int32_t priority = 0;
  bool inject_lattice = false;
  std::string framework = "pytorch";
  run_policy run;
  /// replicaSpecs.template as sent, minified (simdjson re-serializes it, so
  /// 1e3 may come back as 1000.0): copied into worker pods.
  std::string template_json;
  pod_template_info template_info;
};

/// Kubeflow ReplicaStatus, one per replica type ("Worker").
struct replica_status {
  std::string replica_type;
  std::int32_t active = 0;
  std::int32_t succeeded = 0;
  std::int32_t failed = 0;
};

/// status.execStatus (Kubeflow JobStatus).
struct exec_status {
  std::vector<condition> conditions;
  /// Sorted by replica_type.
  std::vector<replica_status> replica_statuses;
  std::string start_time;
  std::string completion_time;
  std::string last_reconcile_time;
};

/// TrainingJobStatus; times are RFC3339 strings, "" for nil.
/// status.throughput: the job's training rate as its agent last measured it.
struct throughput_status {
  double samples_per_second = 0;
  std::int32_t workers = 0;
  std::int32_t nodes = 0;
  /// RFC 3339.
  std::string measured_at;
  friend bool operator==(const throughput_status& a, const throughput_status& b) {
    return a.samples_per_second == b.samples_per_second && a.workers == b.workers && a.nodes == b.nodes
           && a.measured_at == b.measured_at;
  }
};

struct training_job_status {
  exec_status exec;
  std::int32_t current_size = 0;
  /// "Waiting", "Running", "Completed", "Failed", or "" before the autoscaler saw the job.
  std::string stage;
  std::string submit_time;
  std::string queued_time;
  std::string last_exec_time;
  std::string completion_time;
  std::string requeue_time;
  std::string cooldown_time;
  /// One-word reason for the stage and its details (why the job waits or
  /// runs below maxSize, why it failed); "" when not written.
  std::string reason;
  std::string message;
  /// status.gpus: held by the current workers, and at maxSize.
  std::optional<std::int64_t> gpus_held;
  std::optional<std::int64_t> gpus_wanted;
  /// status.queuePosition: 1-based among the waiting jobs; unset otherwise.
  std::optional<std::int32_t> queue_position;
  /// status.throughput; unset while no report of the current size is kept.
  std::optional<throughput_status> throughput;
  // status.conditions is not kept: it is exec.conditions again, written by
  // the encoder in metav1.Condition's shape.
};

/// A TrainingJob (<group>/v1, plural trainingjobs, namespaced).
struct training_job {
  object_meta meta;
  training_job_spec spec;
  training_job_status status;
};

} // namespace lattice::k8s
