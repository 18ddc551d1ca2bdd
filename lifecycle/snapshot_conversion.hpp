#pragma once

#include "k8s/model/node.hpp"
#include "k8s/model/pod.hpp"
#include "k8s/model/training_job.hpp"
#include "scheduling/job_info.hpp"
#include "scheduling/node_info.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lattice::lifecycle {

/// Annotation keys (prefixed with the API group) for the autoscaler state the
/// CRD's status schema has no field for; see docs/design/operator.md,
/// "Persisted autoscaler state".
std::string schedule_failures_annotation(const std::string& api_group);
std::string last_resize_time_annotation(const std::string& api_group);
/// `<group>/worker-failures`: Failed workers the operator deleted to retry
/// them (their pods are gone, so the count must live on the job for
/// backoffLimit). Missing or malformed reads as 0.
std::string worker_failures_annotation(const std::string& api_group);
/// Worker pod metadata read here: the label `<group>/replica-index` (the
/// worker's index) and the annotation `<group>/node` (pod_names.hpp: the node
/// the worker is pinned to, read while the pod is still Pending and has no
/// spec.nodeName).
std::string replica_index_label(const std::string& api_group);

/// The worker's index from its `<group>/replica-index` label; nullopt when
/// absent, malformed or negative.
std::optional<std::int32_t> worker_index(const k8s::pod& pod, const std::string& api_group);

/// True for a pod that still holds (or will hold) resources: not Succeeded
/// or Failed and not being deleted.
bool is_live(const k8s::pod& pod);

/// The job's worker pods that count as its current placement: live pods
/// with a valid `<group>/replica-index` label.
std::vector<const k8s::pod*> live_workers(const std::vector<k8s::pod>& job_pods,
                                          const std::string& api_group);

/// k8s resource amounts as the planner's resource_list (same units).
scheduling::resource_list to_scheduling_resources(const k8s::resource_list& r);

/// The TrainingJob as the planner sees it. nullopt for Completed and Failed
/// jobs and for suspended ones (runPolicy.suspend: not queued). Invalid jobs
/// are the caller's to leave out. Stage "Running" -> running, anything else
/// (Waiting, not yet set) -> waiting. submitTime falls back to the creation
/// timestamp; unparsable times count as absent, a malformed annotation as 0
/// failures / no last resize.
std::optional<scheduling::job_info> to_job_info(const k8s::training_job& job,
                                                const std::vector<k8s::pod>& job_pods,
                                                const std::string& api_group);

/// The node as the planner sees it: Ready, schedulable, taints (an effect
/// this build does not know counts as NoSchedule: safer to keep off),
/// allocatable and labels.
scheduling::node_info to_node_info(const k8s::node& node, const k8s::resource_list& used_by_others);

/// Sum of the requests of the live pods bound to `node_name`, except the
/// pods whose "namespace/name" key is in `planned_workers` (the workers the
/// snapshot's jobs list: the planner adds those itself).
k8s::resource_list requests_of_others(const std::string& node_name, const std::vector<k8s::pod>& pods,
                                      const std::set<std::string>& planned_workers);

/// The "namespace/name" keys of the live workers of the given jobs' pods, to
/// pass to requests_of_others.
std::set<std::string> worker_keys(const std::vector<k8s::pod>& job_pods, const std::string& api_group);

} // namespace lattice::lifecycle
