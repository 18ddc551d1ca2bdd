#include "lifecycle/worker_reconcile.hpp"

#include "base/time.hpp"
#include "lifecycle/pod_names.hpp"
#include "lifecycle/snapshot_conversion.hpp"

#include <charconv>

namespace lattice::lifecycle {
namespace {

std::optional<std::int32_t> parse_index(const std::string& text) {
  std::int32_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 0)
    return std::nullopt;
  return value;
}

std::optional<std::int32_t> label_index(const k8s::pod& pod, const std::string& label) {
  const auto it = pod.meta.labels.find(label);
  if (it == pod.meta.labels.end())
    return std::nullopt;
  return parse_index(it->second);
}

/// Why a live (not Succeeded, not terminating) worker must go, or "".
std::string why_remove_live(const worker_reconcile_input& in, const k8s::pod& pod, std::int32_t index) {
  const auto& status = in.job.status;
  if (status.stage != "Running")
    return "the job is not running (stage " + (status.stage.empty() ? std::string("unset") : status.stage)
           + ")";
  if (index >= status.current_size)
    return "index " + std::to_string(index) + " is beyond the job's size "
           + std::to_string(status.current_size);
  if (in.target && static_cast<std::size_t>(index) < in.target->size()) {
    const auto& want = (*in.target)[static_cast<std::size_t>(index)].node;
    const auto node = worker_node(pod, in.api_group);
    if (!want.empty() && !node.empty() && node != want)
      return "moved from node " + node + " to " + want;
  }
  if (!in.job.spec.inject_lattice) {
    const auto it = pod.meta.annotations.find(world_size_annotation(in.api_group));
    if (it != pod.meta.annotations.end()) {
      const auto built_for = parse_index(it->second);
      if (built_for && *built_for != status.current_size)
        return "restart at size " + std::to_string(status.current_size) + " (built for "
               + std::to_string(*built_for) + ")";
    }
  }
  return {};
}

/// Past its deadline and not Ready: a Ready pod's kubelet has not even
/// stopped its containers yet (a slow kubelet, or kwok's lag in the test
/// cluster), and forcing would free the name for a second worker of the same
/// rank while the first still runs. A lost node's pods are marked not Ready
/// by the node controller, and a live kubelet marks them once the containers
/// stop, so the rule still frees the name in both cases.
bool stuck_terminating(const worker_reconcile_input& in, const k8s::pod& pod) {
  const auto deadline = base::parse_optional_time(pod.meta.deletion_timestamp);
  return deadline && in.now > *deadline + in.force_delete_after && pod.ready != k8s::condition_status::true_;
}

} // namespace

std::string worker_node(const k8s::pod& pod, const std::string& api_group) {
  if (!pod.node_name.empty())
    return pod.node_name;
  const auto it = pod.meta.annotations.find(pinned_node_annotation(api_group));
  return it == pod.meta.annotations.end() ? std::string() : it->second;
}

worker_actions reconcile_workers(const worker_reconcile_input& in) {
  worker_actions out;
  const auto label = replica_index_label(in.api_group);
  std::set<std::string> existing;
  for (const auto& pod : in.pods) {
    existing.insert(pod.meta.name);
    const auto index = label_index(pod, label);
    if (!index)
      continue; // not a worker (the rendezvous pod, or someone else's label)
    if (!pod.meta.deletion_timestamp.empty()) {
      if (stuck_terminating(in, pod) && in.deleting.count(pod.meta.name) == 0)
        out.remove.push_back({pod.meta.name, pod.meta.uid, true, false, "stuck terminating; forcing"});
      continue;
    }
    if (in.deleting.count(pod.meta.name) > 0 || pod.phase == k8s::pod_phase::succeeded)
      continue;
    if (pod.phase == k8s::pod_phase::failed) {
      const bool retry = in.job.status.stage == "Running" && *index < in.job.status.current_size;
      out.remove.push_back({pod.meta.name, pod.meta.uid, false, retry,
                            retry ? "worker failed; retrying" : "failed worker no longer needed"});
      continue;
    }
    auto why = why_remove_live(in, pod, *index);
    if (!why.empty())
      out.remove.push_back({pod.meta.name, pod.meta.uid, false, false, std::move(why)});
  }
  if (in.job.status.stage != "Running" || !in.target)
    return out;
  const auto size = static_cast<std::size_t>(std::max(in.job.status.current_size, 0));
  for (std::size_t i = 0; i < size && i < in.target->size(); ++i) {
    const auto& placement = (*in.target)[i];
    const auto name = worker_pod_name(in.job.meta.name, placement.index);
    if (existing.count(name) == 0 && in.creating.count(name) == 0)
      out.create.push_back(placement);
  }
  return out;
}

} // namespace lattice::lifecycle
