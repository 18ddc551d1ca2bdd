#include "lifecycle/lost_nodes.hpp"

#include <algorithm>

namespace lattice::lifecycle {

std::string_view to_text(node_loss loss) {
  switch (loss) {
  case node_loss::deleted:
    return "deleted";
  case node_loss::unresponsive:
    return "unresponsive";
  case node_loss::none:
    break;
  }
  return "none";
}

node_loss node_loss_from(std::uint8_t value) {
  switch (value) {
  case static_cast<std::uint8_t>(node_loss::unresponsive):
    return node_loss::unresponsive;
  case static_cast<std::uint8_t>(node_loss::deleted):
    return node_loss::deleted;
  default:
    return node_loss::none;
  }
}

bool note_node_loss(job_model& job, const std::string& node, node_loss loss) {
  if (node.empty())
    return false;
  if (loss == node_loss::none)
    return job.lost_nodes.erase(node) > 0;
  auto& known = job.lost_nodes[node];
  if (known == loss)
    return false;
  // Deleted is final for this name: a late "unresponsive" does not undo it.
  if (known == node_loss::deleted)
    return false;
  known = loss;
  return true;
}

node_loss loss_of(const job_model& job, const std::string& node) {
  if (node.empty())
    return node_loss::none;
  const auto it = job.lost_nodes.find(node);
  return it == job.lost_nodes.end() ? node_loss::none : it->second;
}

std::string forced_by_lost_node(const job_model& job, const pod_record& pod) {
  const auto loss = loss_of(job, pod.node);
  if (loss == node_loss::none || job.forced_deletes.count(pod.uid) > 0)
    return {};
  if (loss == node_loss::deleted && pod.phase != k8s::pod_phase::succeeded)
    return "node " + pod.node + " was deleted; forcing";
  if (loss == node_loss::unresponsive && pod.terminating)
    return "terminating on unresponsive node " + pod.node + "; forcing";
  return {};
}

namespace {

/// Drops the lost nodes that no pod of the job and no placement of `target` names.
void keep_named(job_model& job, const std::vector<scheduling::worker_placement>* target) {
  for (auto it = job.lost_nodes.begin(); it != job.lost_nodes.end();) {
    const auto& node = it->first;
    const bool named =
        std::any_of(job.pods.begin(), job.pods.end(), [&](const auto& p) { return p.second.node == node; })
        || (target
            && std::any_of(target->begin(), target->end(), [&](const auto& w) { return w.node == node; }));
    it = named ? std::next(it) : job.lost_nodes.erase(it);
  }
}

} // namespace

void forget_lost_nodes_for(job_model& job, const std::vector<scheduling::worker_placement>& placed) {
  for (const auto& w : placed)
    job.lost_nodes.erase(w.node);
  keep_named(job, &placed);
}

void forget_unused_lost_nodes(job_model& job) {
  keep_named(job, job.target ? &*job.target : nullptr);
}

} // namespace lattice::lifecycle
