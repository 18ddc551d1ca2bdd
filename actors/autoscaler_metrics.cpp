#include "actors/autoscaler_metrics.hpp"

#include "observability/metrics.hpp"

#include <algorithm>

namespace lattice::actors {

std::string node_group(const scheduling::node_info& node) {
  for (const char* key : {node_group_label, "node.kubernetes.io/instance-type"}) {
    auto it = node.labels.find(key);
    if (it != node.labels.end() && !it->second.empty())
      return it->second;
  }
  return "default";
}

std::map<std::string, gpu_usage> gpus_by_group(const scheduling::snapshot& snap, const scheduling::plan& p,
                                               const std::string& gpu_resource) {
  std::map<std::string, gpu_usage> out;
  std::map<std::string, std::string> group_of;
  for (const auto& node : snap.nodes) {
    const auto group = node_group(node);
    group_of[node.name] = group;
    auto& g = out[group];
    if (node.ready && node.schedulable)
      g.allocatable += static_cast<double>(node.allocatable.get(gpu_resource));
    g.allocated += static_cast<double>(node.used_by_others.get(gpu_resource));
  }
  for (std::size_t i = 0; i < p.jobs.size() && i < snap.jobs.size(); ++i) {
    const auto per_worker = static_cast<double>(snap.jobs[i].worker_resources.get(gpu_resource));
    for (const auto& w : p.jobs[i].workers) {
      auto it = group_of.find(w.node);
      if (it != group_of.end())
        out[it->second].allocated += per_worker;
    }
  }
  return out;
}

void export_plan_metrics(observability::metrics& m, const scheduling::snapshot& snap,
                         const scheduling::plan& p, scheduling::time_point now,
                         std::chrono::microseconds took, const std::string& gpu_resource) {
  m.plan_duration().Observe(std::chrono::duration<double>(took).count());
  double waiting = 0;
  double oldest = 0;
  for (std::size_t i = 0; i < p.jobs.size() && i < snap.jobs.size(); ++i) {
    if (p.jobs[i].stage != scheduling::job_stage::waiting || p.jobs[i].invalid)
      continue;
    ++waiting;
    const auto age = std::chrono::duration<double>(now - snap.jobs[i].effective_queued_time()).count();
    oldest = std::max(oldest, age);
  }
  m.queue_length().Set(waiting);
  m.queue_oldest_age().Set(oldest);
  for (const auto& [group, usage] : gpus_by_group(snap, p, gpu_resource)) {
    m.gpus_allocatable(group).Set(usage.allocatable);
    m.gpus_allocated(group).Set(usage.allocated);
  }
}

} // namespace lattice::actors
