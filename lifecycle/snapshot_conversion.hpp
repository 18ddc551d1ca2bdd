#pragma once

#include "k8s/model/node.hpp"
#include "k8s/model/pod.hpp"
#include "lifecycle/job_model.hpp"
#include "scheduling/job_info.hpp"
#include "scheduling/node_info.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lattice::lifecycle {

/// Annotation keys (prefixed with the API group) for the autoscaler state the
/// CRD's status schema has no field for; see docs/design/operator.md,
/// "Persisted autoscaler state".
std::string schedule_failures_annotation(const std::string& api_group);
std::string last_resize_time_annotation(const std::string& api_group);
/// `<group>/attained-service`: whole GPU-seconds the job ran before its
/// last resize (persisted_state::attained_service).
std::string attained_service_annotation(const std::string& api_group);
/// `<group>/worker-failures`: Failed workers the operator deleted to retry
/// them (their pods are gone, so the count must live on the job for
/// backoffLimit).
std::string worker_failures_annotation(const std::string& api_group);
/// `<group>/replica-index`: the label carrying a worker's index.
std::string replica_index_label(const std::string& api_group);

using scheduling::pods_resource;
using scheduling::unlimited_pods;

/// k8s resource amounts as the planner's resource_list (same units).
scheduling::resource_list to_scheduling_resources(const k8s::resource_list& r);

/// The job as the planner sees it: each worker requests the template's
/// requests and one `pods`. nullopt for finished and suspended jobs
/// (runPolicy.suspend: not queued) and before the TrainingJob was seen.
/// Invalid jobs are the caller's to leave out. Stage Running -> running,
/// anything else -> waiting, with the live workers as its placement.
/// submitTime falls back to the creation timestamp.
std::optional<scheduling::job_info> to_job_info(const job_model& job);

/// The node as the planner sees it: Ready, schedulable, taints (an effect
/// this build does not know counts as NoSchedule: safer to keep off),
/// allocatable and labels. `used_by_others` holds the requests of the pods
/// on the node that are not planned workers, and their count as `pods`.
scheduling::node_info to_node_info(const k8s::node& node, const k8s::resource_list& used_by_others);

} // namespace lattice::lifecycle
