#include "sim/planner_policy.hpp"

#include "scheduling/planner.hpp"

#include <cstdio>

namespace lattice::sim {

using namespace scheduling;

scheduling::time_point planner_policy::to_time(double seconds) {
  // 2026-01-01T00:00:00Z.
  return time_point{std::chrono::seconds{1767225600}} + milliseconds{static_cast<int64_t>(seconds * 1000.0)};
}

std::string planner_policy::node_name(int id, int nodes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "node-%0*d", nodes > 100 ? 4 : 2, id);
  return buf;
}

snapshot make_snapshot(const cluster_spec& cluster, const std::vector<job_view>& jobs, bool attained_service,
                       bool throughput) {
  snapshot s;
  s.nodes.reserve(static_cast<std::size_t>(cluster.nodes));
  for (int n = 0; n < cluster.nodes; ++n) {
    node_info info;
    info.name = planner_policy::node_name(n, cluster.nodes);
    info.allocatable.set("nvidia.com/gpu", cluster.gpus_per_node);
    if (cluster.cpu_per_node > 0)
      info.allocatable.set("cpu", cluster.cpu_per_node);
    if (cluster.nodes_per_rack > 0)
      info.labels[cluster.rack_label] = "rack-" + std::to_string(n / cluster.nodes_per_rack);
    s.nodes.push_back(std::move(info));
  }
  s.jobs.reserve(jobs.size());
  for (const auto& v : jobs) {
    const job_spec& spec = *v.spec;
    job_info j;
    j.namespace_ = "default";
    j.name = spec.name;
    j.priority = spec.priority;
    j.min_size = spec.min_size;
    j.max_size = spec.max_size;
    if (spec.gpus > 0)
      j.worker_resources.set("nvidia.com/gpu", spec.gpus);
    if (spec.cpu_millis > 0)
      j.worker_resources.set("cpu", spec.cpu_millis);
    j.submit_time = planner_policy::to_time(spec.submit);
    // The simulated jobs run under the Lattice agent: a worker may move.
    j.movable = true;
    j.stage = v.workers.empty() ? job_stage::waiting : job_stage::running;
    if (v.last_resize)
      j.last_resize_time = planner_policy::to_time(*v.last_resize);
    for (std::size_t i = 0; i < v.workers.size(); ++i)
      j.workers.push_back({static_cast<int32_t>(i), planner_policy::node_name(v.workers[i], cluster.nodes)});
    if (attained_service)
      j.attained_service = v.attained;
    if (throughput)
      for (const auto& r : v.rates)
        j.throughput.push_back({r.workers, r.nodes, r.samples_per_second, planner_policy::to_time(r.at)});
    s.jobs.push_back(std::move(j));
  }
  return s;
}

planner_policy::planner_policy(std::string name, options opts)
    : name_(std::move(name)), opts_(std::move(opts)) {}

std::vector<std::vector<int>> planner_policy::decide(const cluster_spec& cluster,
                                                     const std::vector<job_view>& jobs, double now) {
  snapshot s = make_snapshot(cluster, jobs, opts_.attained_service, opts_.throughput);
  if (opts_.on_snapshot)
    opts_.on_snapshot(s, to_time(now));
  plan p = make_plan(s, opts_.config, to_time(now));
  std::vector<std::vector<int>> out(jobs.size());
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    const auto& d = p.jobs[k];
    if (d.stage != job_stage::running)
      continue;
    for (const auto& w : d.workers)
      out[k].push_back(std::atoi(w.node.c_str() + 5));
  }
  return out;
}

} // namespace lattice::sim
