#include "lifecycle/worker_reconcile.hpp"

#include "lifecycle/lost_nodes.hpp"
#include "lifecycle/pod_names.hpp"

namespace lattice::lifecycle {
namespace {

/// Why a live (not Succeeded, not terminating) worker must go, or "".
std::string why_remove_live(const job_model& job, const pod_record& pod) {
  const auto& status = job.status;
  const auto index = *pod.index;
  if (status.stage != stage::running)
    return "the job is not running (stage "
           + (status.stage == stage::unset ? std::string("unset") : std::string(to_api(status.stage))) + ")";
  if (index >= status.current_size)
    return "index " + std::to_string(index) + " is beyond the job's size "
           + std::to_string(status.current_size);
  if (job.target && static_cast<std::size_t>(index) < job.target->size()) {
    const auto& want = (*job.target)[static_cast<std::size_t>(index)].node;
    if (!want.empty() && !pod.node.empty() && pod.node != want)
      return "moved from node " + pod.node + " to " + want;
  }
  if (!job.object->spec.inject_lattice && pod.built_for_size && *pod.built_for_size != status.current_size)
    return "restart at size " + std::to_string(status.current_size) + " (built for "
           + std::to_string(*pod.built_for_size) + ")";
  return {};
}

/// Past its deadline and not Ready: a Ready pod's kubelet has not even
/// stopped its containers yet (a slow kubelet, or kwok's lag in the test
/// cluster), and forcing would free the name for a second worker of the same
/// rank while the first still runs. A lost node's pods are marked not Ready
/// by the node controller, and a live kubelet marks them once the containers
/// stop, so the rule still frees the name in both cases.
bool stuck_terminating(const pod_record& pod, base::time_point now) {
  return pod.deletion_deadline && now > *pod.deletion_deadline + force_delete_after
         && pod.ready != k8s::condition_status::true_;
}

} // namespace

worker_actions reconcile_workers(const job_model& job, base::time_point now) {
  worker_actions out;
  for (const auto& [name, pod] : job.pods) {
    if (!pod.is_worker())
      continue; // the rendezvous pod
    if (auto why = forced_by_lost_node(job, pod); !why.empty()) {
      // Before the expectations: an ordinary delete in flight waits for a
      // kubelet that is gone.
      out.remove.push_back({name, pod.uid, true, false, std::move(why)});
      continue;
    }
    if (pod.terminating) {
      if (stuck_terminating(pod, now) && !job.deleting.pending(name))
        out.remove.push_back({name, pod.uid, true, false, "stuck terminating; forcing"});
      continue;
    }
    if (job.deleting.pending(name) || pod.phase == k8s::pod_phase::succeeded)
      continue;
    if (pod.phase == k8s::pod_phase::failed) {
      const bool retry = job.status.stage == stage::running && *pod.index < job.status.current_size;
      out.remove.push_back({name, pod.uid, false, retry,
                            retry ? "worker failed; retrying" : "failed worker no longer needed"});
      continue;
    }
    auto why = why_remove_live(job, pod);
    if (!why.empty())
      out.remove.push_back({name, pod.uid, false, false, std::move(why)});
  }
  if (job.status.stage != stage::running || !job.target)
    return out;
  const auto size = static_cast<std::size_t>(std::max(job.status.current_size, 0));
  for (std::size_t i = 0; i < size && i < job.target->size(); ++i) {
    const auto& placement = (*job.target)[i];
    const auto name = worker_pod_name(job.name, placement.index);
    // On a lost node the worker waits for the decision that moves it.
    if (job.pods.count(name) == 0 && !job.creating.pending(name)
        && loss_of(job, placement.node) == node_loss::none)
      out.create.push_back(placement);
  }
  return out;
}

} // namespace lattice::lifecycle
