// Every call into lifecycle/ the plugin makes is in this file, so that the
// plugin builds its snapshot exactly as the operator does and follows the
// conversion when it changes.
#include "plugin/live_snapshot.hpp"

#include "base/time.hpp"
#include "lifecycle/job_model.hpp"
#include "lifecycle/job_validation.hpp"
#include "lifecycle/snapshot_conversion.hpp"

#include <set>

namespace lattice::plugin {
namespace {

bool owned_by(const k8s::pod& pod, const k8s::training_job& job) {
  for (const auto& ref : pod.meta.owner_references)
    if (ref.controller && ref.uid == job.meta.uid)
      return true;
  return false;
}

/// The job as the job actor's model holds it from the objects the watch
/// shows (its stored status and persisted state, the pods it controls), so
/// the conversion is the operator's own.
std::optional<scheduling::job_info> job_info_of(const k8s::training_job& job,
                                                const std::vector<const k8s::pod*>& job_pods,
                                                const std::string& api_group) {
  lifecycle::job_model model(job.meta.namespace_, job.meta.name, std::chrono::milliseconds(30'000));
  model.object = job;
  model.status = lifecycle::status_from_api(job.status);
  model.persisted = lifecycle::persisted_from(job.meta, api_group);
  for (const auto* pod : job_pods)
    model.pods.emplace(pod->meta.name, lifecycle::make_pod_record(*pod, api_group));
  return lifecycle::to_job_info(model);
}

/// Requests of the live pods on `node_name` the planner does not place itself.
k8s::resource_list requests_of_others(const std::string& node_name, const std::vector<k8s::pod>& pods,
                                      const std::set<std::string>& planned_workers) {
  k8s::resource_list sum;
  for (const auto& pod : pods) {
    const bool holds = pod.phase != k8s::pod_phase::succeeded && pod.phase != k8s::pod_phase::failed;
    if (pod.node_name != node_name || !holds || planned_workers.count(pod.meta.key()) > 0)
      continue;
    sum.cpu_millis += pod.requests.cpu_millis;
    sum.memory_bytes += pod.requests.memory_bytes;
    for (const auto& other : pod.requests.others)
      sum.set(other.name, sum.get(other.name) + other.value);
  }
  return sum;
}

bool finished(const k8s::training_job& job) {
  return job.status.stage == "Completed" || job.status.stage == "Failed";
}

} // namespace

std::optional<scheduling::time_point> parse_time(const std::string& text) {
  return base::parse_optional_time(text);
}

live_snapshot build_live_snapshot(const cluster_objects& objects, const std::string& api_group) {
  live_snapshot out;
  for (const auto& job : objects.jobs) {
    const std::string key = job.meta.key();
    auto problems = lifecycle::validate_job(job);
    if (!problems.empty() && !finished(job)) {
      out.invalid[key] = lifecycle::format_problems(problems);
      ++out.stages["Invalid"];
      continue;
    }
    std::vector<const k8s::pod*> job_pods;
    for (const auto& pod : objects.pods)
      if (pod.meta.namespace_ == job.meta.namespace_ && owned_by(pod, job))
        job_pods.push_back(&pod);
    auto info = job_info_of(job, job_pods, api_group);
    if (!info) {
      ++out.stages[finished(job) ? job.status.stage : "Suspended"];
      continue;
    }
    ++out.stages[info->stage == scheduling::job_stage::running ? "Running" : "Waiting"];
    auto start = base::parse_optional_time(job.status.exec.start_time);
    if (info->stage == scheduling::job_stage::running && start && job.spec.run.active_deadline_seconds)
      out.ends[key] = *start + std::chrono::seconds{*job.spec.run.active_deadline_seconds};
    out.snapshot.jobs.push_back(std::move(*info));
  }
  // As the node actor counts them: a pod that still holds resources and
  // carries the replica-index label is a worker the planner places itself
  // (terminating ones included), every other pod is someone else's.
  std::set<std::string> workers;
  const auto index_label = lifecycle::replica_index_label(api_group);
  for (const auto& pod : objects.pods) {
    const bool holds = pod.phase != k8s::pod_phase::succeeded && pod.phase != k8s::pod_phase::failed;
    if (holds && pod.meta.labels.count(index_label) > 0)
      workers.insert(pod.meta.key());
  }
  for (const auto& node : objects.nodes)
    out.snapshot.nodes.push_back(
        lifecycle::to_node_info(node, requests_of_others(node.meta.name, objects.pods, workers)));
  return out;
}

new_job convert_new_job(k8s::training_job job, const std::string& api_group, scheduling::time_point now) {
  auto problems = lifecycle::validate_job(job);
  if (!problems.empty())
    return {std::nullopt, "the operator would reject it: " + lifecycle::format_problems(problems)};
  // Applied now: created now, submitted now, no status yet.
  job.meta.creation_timestamp = base::format_rfc3339(now);
  job.status = {};
  auto info = job_info_of(job, {}, api_group);
  if (!info)
    return {std::nullopt, "runPolicy.suspend is set: a suspended job is not queued"};
  return {std::move(info), {}};
}

} // namespace lattice::plugin
