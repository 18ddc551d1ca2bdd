// The time-stepped simulation: jobs train between plans, the policy decides
// at each interval, a changed allocation costs the job a restart.
#include "sim/engine.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace lattice::sim {

namespace {

/// Workers per distinct node, in order of first appearance (ring order).
std::vector<int> placement_of(const std::vector<int>& workers) {
  std::vector<int> nodes, counts;
  for (int n : workers) {
    auto it = std::find(nodes.begin(), nodes.end(), n);
    if (it == nodes.end()) {
      nodes.push_back(n);
      counts.push_back(1);
    } else {
      ++counts[static_cast<std::size_t>(it - nodes.begin())];
    }
  }
  return counts;
}

struct live_job {
  std::size_t id = 0;
  job_view view;
  job_result result;
  double restart_left = 0;
  bool started = false;
  bool complete = false;
};

/// Checks the rules every policy must keep; appends what it finds.
void check_decision(const cluster_spec& cluster, const std::vector<live_job*>& active,
                    const std::vector<std::vector<int>>& decided, double now, bool priorities,
                    std::vector<violation>& out) {
  std::vector<int64_t> gpus(static_cast<std::size_t>(cluster.nodes), 0), cpu(gpus.size(), 0);
  for (std::size_t k = 0; k < active.size(); ++k) {
    const job_spec& s = *active[k]->view.spec;
    const auto& w = decided[k];
    if (!w.empty()
        && (static_cast<int32_t>(w.size()) < s.min_size || static_cast<int32_t>(w.size()) > s.max_size))
      out.push_back({now, s.name + " runs " + std::to_string(w.size()) + " workers, outside ["
                              + std::to_string(s.min_size) + ", " + std::to_string(s.max_size) + "]"});
    for (int n : w) {
      if (n < 0 || n >= cluster.nodes) {
        out.push_back({now, s.name + " placed on unknown node " + std::to_string(n)});
        continue;
      }
      gpus[static_cast<std::size_t>(n)] += s.gpus;
      cpu[static_cast<std::size_t>(n)] += s.cpu_millis;
    }
  }
  for (int n = 0; n < cluster.nodes; ++n) {
    auto i = static_cast<std::size_t>(n);
    if (gpus[i] > cluster.gpus_per_node || (cluster.cpu_per_node > 0 && cpu[i] > cluster.cpu_per_node))
      out.push_back({now, "node " + std::to_string(n) + " over-committed: " + std::to_string(gpus[i])
                              + " GPUs of " + std::to_string(cluster.gpus_per_node)});
  }
  if (!priorities)
    return;
  // Priority (rules 1-3). The head of the queue (highest priority, then
  // earliest) must not fit in what is free plus what strictly lower
  // priorities hold, counted per node in whole workers. Other waiting jobs
  // may wait behind a reservation for the head, so for them only growth is
  // checked: no lower priority grows above minSize while they wait.
  const live_job* head = nullptr;
  for (std::size_t k = 0; k < active.size(); ++k) {
    const job_spec& s = *active[k]->view.spec;
    if (!decided[k].empty())
      continue;
    if (!head || s.priority > head->view.spec->priority
        || (s.priority == head->view.spec->priority && s.submit < head->view.spec->submit))
      head = active[k];
  }
  if (!head)
    return;
  const job_spec& h = *head->view.spec;
  if (h.gpus > 0) {
    std::vector<int64_t> room(static_cast<std::size_t>(cluster.nodes), cluster.gpus_per_node);
    for (std::size_t o = 0; o < active.size(); ++o)
      if (active[o]->view.spec->priority >= h.priority)
        for (int n : decided[o])
          if (n >= 0 && n < cluster.nodes)
            room[static_cast<std::size_t>(n)] -= active[o]->view.spec->gpus;
    int64_t fits = 0;
    for (int64_t r : room)
      fits += std::max<int64_t>(r, 0) / h.gpus;
    if (fits >= h.min_size)
      out.push_back({now, h.name + " (priority " + std::to_string(h.priority)
                              + ", head of the queue) waits while " + std::to_string(fits)
                              + " workers' worth is free or held by lower priorities"});
  }
  for (std::size_t k = 0; k < active.size(); ++k) {
    const job_spec& s = *active[k]->view.spec;
    auto before = active[k]->view.workers.size();
    auto after = decided[k].size();
    if (s.priority < h.priority && after > before && after > static_cast<std::size_t>(s.min_size))
      out.push_back({now, s.name + " (priority " + std::to_string(s.priority) + ") grows to "
                              + std::to_string(after) + " while " + h.name + " (priority "
                              + std::to_string(h.priority) + ") waits"});
  }
}

} // namespace

run_result simulate(const cluster_spec& cluster, const std::vector<job_spec>& specs,
                    std::vector<std::unique_ptr<job_model>> models, policy& p, const run_settings& settings) {
  run_result out;
  out.policy = p.name();
  out.total_gpus = cluster.gpus_per_node * cluster.nodes;
  std::vector<live_job> jobs(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    jobs[i].id = i;
    jobs[i].view.spec = &specs[i];
    jobs[i].result.name = specs[i].name;
    jobs[i].result.priority = specs[i].priority;
    jobs[i].result.submit = specs[i].submit;
  }
  std::size_t remaining = jobs.size();
  double now = 0;
  while (remaining > 0 && now < settings.time_limit) {
    // 1. Train for one interval.
    const double dt = settings.interval;
    for (auto& j : jobs) {
      if (j.complete || j.view.spec->submit > now)
        continue;
      if (j.view.workers.empty()) {
        j.result.waiting += dt;
        continue;
      }
      const job_spec& s = *j.view.spec;
      const auto workers = static_cast<double>(j.view.workers.size());
      const double weight = s.gpus > 0 ? static_cast<double>(s.gpus) * workers : workers;
      auto placement = placement_of(j.view.workers);
      double delay = std::min(j.restart_left, dt);
      j.restart_left -= delay;
      double used = delay;
      if (dt > delay) {
        auto rate = models[j.id]->samples_per_second(placement);
        auto finished = models[j.id]->run(placement, dt - delay);
        used = finished ? delay + *finished : dt;
        // The agent reports what it measured at this size and spread.
        auto nodes = static_cast<int32_t>(placement.size());
        auto w = static_cast<int32_t>(j.view.workers.size());
        auto it = std::find_if(j.view.rates.begin(), j.view.rates.end(),
                               [&](const observed_rate& r) { return r.workers == w && r.nodes == nodes; });
        if (it == j.view.rates.end())
          j.view.rates.push_back({w, nodes, rate, now + dt});
        else
          *it = {w, nodes, rate, now + dt};
        if (finished) {
          j.complete = true;
          j.result.completion = now + used;
          --remaining;
        }
      }
      j.view.attained += weight * used;
      j.result.gpu_seconds += weight * used;
      j.result.running_seconds += used;
      auto fewest = static_cast<std::size_t>(std::ceil(
          static_cast<double>(j.view.workers.size() * static_cast<std::size_t>(std::max<int64_t>(s.gpus, 1)))
          / static_cast<double>(cluster.gpus_per_node)));
      if (s.gpus > 0 && placement.size() > fewest)
        j.result.spread_seconds += used;
      out.allocated_gpu_seconds += static_cast<double>(s.gpus) * workers * dt;
    }
    now += dt;
    ++out.intervals;
    // 2. Plan. Finished jobs release their workers here, at the boundary.
    std::vector<live_job*> active;
    std::vector<job_view> views;
    for (auto& j : jobs) {
      if (j.complete && !j.view.workers.empty())
        j.view.workers.clear();
      if (!j.complete && j.view.spec->submit <= now) {
        active.push_back(&j);
        views.push_back(j.view);
      }
    }
    if (active.empty())
      continue;
    auto t0 = std::chrono::steady_clock::now();
    auto decided = p.decide(cluster, views, now);
    out.policy_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    decided.resize(active.size());
    check_decision(cluster, active, decided, now, p.honours_priorities(), out.violations);
    timeline_point tp;
    tp.time = now;
    for (std::size_t k = 0; k < active.size(); ++k) {
      live_job& j = *active[k];
      auto& next = decided[k];
      if (next != j.view.workers) {
        bool resized = next.size() != j.view.workers.size();
        if (!next.empty()) {
          j.restart_left = settings.restart_penalty;
          if (j.started) {
            ++j.result.restarts;
            if (j.view.workers.empty())
              ; // resumed after a preemption, counted then
            else if (next.size() > j.view.workers.size())
              ++j.result.grew;
            else if (next.size() < j.view.workers.size())
              ++j.result.shrunk;
            else
              ++j.result.moved;
          } else {
            j.result.start = now;
          }
          j.started = true;
        } else {
          j.restart_left = 0;
          ++j.result.preempted;
        }
        if (resized)
          j.view.last_resize = now;
        if (settings.record_timeline)
          out.events.push_back({now, j.id, static_cast<int32_t>(j.view.workers.size()),
                                static_cast<int32_t>(next.size()),
                                static_cast<int32_t>(placement_of(next).size())});
        j.view.workers = next;
        j.result.max_workers = std::max(j.result.max_workers, static_cast<int>(next.size()));
      }
      if (j.view.workers.empty())
        ++tp.waiting;
      else
        ++tp.running;
      tp.gpus_used += static_cast<int64_t>(j.view.workers.size()) * j.view.spec->gpus;
    }
    if (settings.record_timeline)
      out.timeline.push_back(tp);
  }
  out.finished = remaining == 0;
  for (auto& j : jobs) {
    if (j.result.completion)
      out.makespan = std::max(out.makespan, *j.result.completion);
    out.jobs.push_back(std::move(j.result));
  }
  return out;
}

} // namespace lattice::sim
