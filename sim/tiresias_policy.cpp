#include "sim/tiresias_policy.hpp"

#include <algorithm>
#include <numeric>

namespace lattice::sim {

tiresias_policy::tiresias_policy(std::vector<double> thresholds, double promote_after)
    : thresholds_(std::move(thresholds)), promote_after_(promote_after) {}

std::vector<std::vector<int>> tiresias_policy::decide(const cluster_spec& cluster,
                                                      const std::vector<job_view>& jobs, double now) {
  auto size_of = [](const job_spec& s) { return s.tuned_size > 0 ? s.tuned_size : s.max_size; };
  // Queue bookkeeping: demotion by attained GPU-time, optional promotion.
  for (const auto& v : jobs) {
    auto [it, fresh] = states_.try_emplace(v.spec->name);
    state& st = it->second;
    if (fresh) {
      st.entered = v.spec->submit;
      st.last_seen = now;
    }
    double elapsed = now - st.last_seen;
    st.last_seen = now;
    if (st.running) {
      st.executed += elapsed;
      while (st.queue < thresholds_.size() && v.attained >= thresholds_[st.queue]) {
        ++st.queue;
        st.entered = now;
      }
    } else if (st.executed > 0) {
      st.pending += elapsed;
      if (promote_after_ > 0 && st.queue > 0 && st.pending >= promote_after_ * st.executed) {
        st.queue = 0;
        st.entered = now;
        st.executed = st.pending = 0;
      }
    }
  }
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const state& x = states_[jobs[a].spec->name];
    const state& y = states_[jobs[b].spec->name];
    if (x.queue != y.queue)
      return x.queue < y.queue;
    if (x.entered != y.entered)
      return x.entered < y.entered;
    return jobs[a].spec->submit < jobs[b].spec->submit;
  });
  // Choose who runs: every job that still fits, in queue order.
  int64_t free_gpus = cluster.gpus_per_node * cluster.nodes;
  std::vector<bool> chosen(jobs.size(), false);
  for (std::size_t k : order) {
    int64_t need = size_of(*jobs[k].spec) * std::max<int64_t>(jobs[k].spec->gpus, 1);
    if (need <= free_gpus) {
      chosen[k] = true;
      free_gpus -= need;
    }
  }
  // Jobs still chosen keep their workers; the others are placed on the
  // nodes with the most free GPUs first.
  std::vector<int64_t> free_on(static_cast<std::size_t>(cluster.nodes), cluster.gpus_per_node);
  std::vector<std::vector<int>> out(jobs.size());
  for (std::size_t k = 0; k < jobs.size(); ++k)
    if (chosen[k] && !jobs[k].workers.empty()) {
      out[k] = jobs[k].workers;
      for (int n : out[k])
        free_on[static_cast<std::size_t>(n)] -= std::max<int64_t>(jobs[k].spec->gpus, 1);
    }
  for (std::size_t k : order) {
    if (!chosen[k] || !out[k].empty())
      continue;
    int64_t per = std::max<int64_t>(jobs[k].spec->gpus, 1);
    int32_t want = size_of(*jobs[k].spec);
    auto before = free_on;
    while (static_cast<int32_t>(out[k].size()) < want) {
      auto best = std::max_element(free_on.begin(), free_on.end());
      if (*best < per)
        break;
      auto node = static_cast<int>(best - free_on.begin());
      int64_t take = std::min<int64_t>(*best / per, want - static_cast<int32_t>(out[k].size()));
      out[k].insert(out[k].end(), static_cast<std::size_t>(take), node);
      *best -= take * per;
    }
    if (static_cast<int32_t>(out[k].size()) < want) {
      out[k].clear(); // multi-GPU workers that fragmentation keeps out: wait
      free_on = before;
    }
  }
  for (std::size_t k = 0; k < jobs.size(); ++k)
    states_[jobs[k].spec->name].running = !out[k].empty();
  return out;
}

} // namespace lattice::sim
