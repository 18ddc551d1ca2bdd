#include "plugin/cluster_summary.hpp"

#include <algorithm>

namespace lattice::plugin {

cluster_summary summarise(const scheduling::snapshot& snap, const scheduling::planner_config& cfg,
                          const std::string& group_label, const std::map<std::string, int>& stages) {
  const auto& gpu = cfg.gpu_resource;
  std::map<std::string, int64_t> held_by_workers;
  for (const auto& j : snap.jobs)
    if (j.stage == scheduling::job_stage::running)
      for (const auto& w : j.workers)
        held_by_workers[w.node] += j.worker_resources.get(gpu);

  std::map<std::string, node_group_usage> groups;
  for (const auto& n : snap.nodes) {
    auto label = n.labels.find(group_label);
    const std::string name = label == n.labels.end() ? "<none>" : label->second;
    auto& g = groups[name];
    g.group = name;
    ++g.nodes;
    const int64_t alloc = n.allocatable.get(gpu);
    auto held = held_by_workers.find(n.name);
    const int64_t allocated = n.used_by_others.get(gpu) + (held == held_by_workers.end() ? 0 : held->second);
    g.allocatable += alloc;
    g.allocated += allocated;
    if (n.ready && n.schedulable) {
      ++g.usable_nodes;
      g.idle += std::max<int64_t>(0, alloc - allocated);
    }
  }
  cluster_summary s;
  for (auto& [name, g] : groups)
    s.groups.push_back(std::move(g));
  s.jobs_per_stage = stages;
  for (const auto& j : snap.jobs) {
    if (j.stage != scheduling::job_stage::waiting)
      continue;
    ++s.queue_length;
    const auto queued = j.effective_queued_time();
    if (!s.oldest_queued_time || queued < *s.oldest_queued_time
        || (queued == *s.oldest_queued_time && j.key() < s.oldest_waiting)) {
      s.oldest_queued_time = queued;
      s.oldest_waiting = j.key();
    }
  }
  return s;
}

} // namespace lattice::plugin
