#pragma once

#include "k8s/model/condition.hpp"
#include "k8s/model/resource_list.hpp"
#include "k8s/object_meta.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace lattice::k8s {

enum class pod_phase : std::uint8_t { unknown, pending, running, succeeded, failed };

/// status.containerStatuses[] reduced to what the reconciler reads.
struct container_status {
  std::string name;
  bool ready = false;
  /// state.terminated is present.
  bool terminated = false;
  std::int32_t restart_count = 0;
  /// state.terminated.exitCode / .reason (meaningful when terminated).
  std::int32_t exit_code = 0;
  std::string terminated_reason;
};

/// A core/v1 Pod. Deletion in progress shows as meta.deletion_timestamp.
struct pod {
  object_meta meta;
  std::string node_name;
  /// status.podIP ("" until the pod has one).
  std::string pod_ip;
  /// Sum of container requests (requests default to limits), as for training_job.
  resource_list requests;
  pod_phase phase = pod_phase::unknown;
  /// PodScheduled condition (false + reason "Unschedulable" when kube-scheduler gave up).
  condition_status scheduled = condition_status::unknown;
  /// status.reason ("Evicted", ...).
  std::string reason;
  std::string scheduled_reason;
  /// Ready condition: the kubelet's, set False by the node controller when
  /// the node stops reporting (unknown when the pod has none yet).
  condition_status ready = condition_status::unknown;
  /// DisruptionTarget condition and its reason: the pod is being removed
  /// for a cause outside it (DeletionByPodGC: its node is gone;
  /// EvictionByEvictionAPI, PreemptionByScheduler, DeletionByTaintManager,
  /// TerminationByKubelet).
  condition_status disruption_target = condition_status::unknown;
  std::string disruption_reason;
  std::vector<container_status> container_statuses;
};

} // namespace lattice::k8s
