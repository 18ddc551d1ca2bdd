#include "plugin/queue_analysis.hpp"

#include "scheduling/constraints.hpp"
#include "scheduling/planner.hpp"

#include <algorithm>
#include <set>

namespace lattice::plugin {
namespace {

using scheduling::job_info;
using scheduling::job_stage;
using scheduling::node_info;
using scheduling::plan;
using scheduling::planner_config;
using scheduling::snapshot;
using scheduling::time_point;

/// The taints the node lifecycle controller adds to cordoned and not-Ready
/// nodes: part of "cordoned" and "not Ready", not of the job's tolerations.
bool lifecycle_taint(const scheduling::taint& t) {
  return t.key == "node.kubernetes.io/unschedulable" || t.key == "node.kubernetes.io/not-ready"
         || t.key == "node.kubernetes.io/unreachable";
}

/// The node would take the job's workers if it were schedulable and Ready.
bool blocked_only_by_state(const job_info& j, const node_info& n) {
  if (!scheduling::matches_labels(j.constraints, n.labels, n.name))
    return false;
  std::vector<scheduling::taint> taints;
  for (const auto& t : n.taints)
    if (!lifecycle_taint(t))
      taints.push_back(t);
  return scheduling::tolerates_taints(j.constraints.tolerations, taints);
}

/// Counterfactuals tried per question: enough for real queues, bounded so
/// a large cluster's `queue` stays quick.
constexpr int max_tries = 8;

std::optional<std::size_t> index_of(const snapshot& snap, const std::string& key) {
  for (std::size_t i = 0; i < snap.jobs.size(); ++i)
    if (snap.jobs[i].key() == key)
      return i;
  return std::nullopt;
}

bool admitted(const snapshot& snap, const std::string& key, const planner_config& cfg, time_point now,
              plan* out = nullptr) {
  auto p = scheduling::make_plan(snap, cfg, now);
  auto i = index_of(snap, key);
  bool yes = i && p.jobs[*i].stage == job_stage::running;
  if (out)
    *out = std::move(p);
  return yes;
}

std::string plural(int64_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts)
    out += (out.empty() ? "" : ", ") + part;
  return out;
}

/// GPUs the plan gives each node (workers of every job it admits).
std::map<std::string, int64_t> planned_gpus(const snapshot& snap, const plan& p, const planner_config& cfg) {
  std::map<std::string, int64_t> used;
  for (std::size_t i = 0; i < p.jobs.size(); ++i)
    for (const auto& w : p.jobs[i].workers)
      used[w.node] += gpus_per_worker(snap.jobs[i], cfg);
  return used;
}

/// Who the counterfactual plan takes capacity from to admit `key`.
std::string victims(const snapshot& snap, const plan& p, const std::string& key) {
  std::vector<std::string> preempted, shrunk;
  for (std::size_t i = 0; i < p.jobs.size(); ++i) {
    const auto& d = p.jobs[i];
    if (d.preempted_by != key)
      continue;
    (d.preempted ? preempted : shrunk).push_back(snap.jobs[i].key());
  }
  std::string out;
  if (!preempted.empty())
    out += "preempting " + join(preempted);
  if (!shrunk.empty())
    out += std::string(out.empty() ? "" : " and ") + "shrinking " + join(shrunk);
  return out.empty() ? "without taking anyone's GPUs" : out;
}

void node_facts(const snapshot& snap, const plan& p, const job_info& j, const planner_config& cfg,
                std::vector<std::string>& out, std::vector<std::string>& blocked, bool& any_eligible) {
  const auto used = planned_gpus(snap, p, cfg);
  const auto& gpu = cfg.gpu_resource;
  const int64_t per_worker = gpus_per_worker(j, cfg);
  int64_t total = 0, free = 0, largest = 0;
  any_eligible = false;
  for (const auto& n : snap.nodes) {
    if (!scheduling::node_admits(j.constraints, n)) {
      if (blocked_only_by_state(j, n))
        blocked.push_back(n.name + (n.schedulable ? "" : " (cordoned)") + (n.ready ? "" : " (not Ready)"));
      continue;
    }
    any_eligible = true;
    const int64_t alloc = n.allocatable.get(gpu);
    const auto it = used.find(n.name);
    total += alloc;
    largest = std::max(largest, alloc);
    free += std::max<int64_t>(0, alloc - n.used_by_others.get(gpu) - (it == used.end() ? 0 : it->second));
  }
  const std::string where = scheduling::describe_constraints(j.constraints);
  if (!any_eligible) {
    out.push_back("no Ready, schedulable node among " + where
                  + (blocked.empty() ? ": change its nodeSelector, affinity or tolerations, or add such nodes"
                                     : ": " + join(blocked) + (blocked.size() == 1 ? " takes" : " take")
                                           + " no new workers"));
    return;
  }
  if (per_worker == 0)
    return;
  const int64_t needed = int64_t{j.min_size} * per_worker;
  if (per_worker > largest)
    out.push_back("one worker needs " + std::to_string(per_worker) + " " + gpu + " but the largest of the "
                  + where + " has " + std::to_string(largest));
  else if (free < needed)
    out.push_back("needs " + std::to_string(needed - free) + " more " + gpu + " on " + where + " ("
                  + std::to_string(free) + " of " + std::to_string(total) + " free there, minSize "
                  + std::to_string(j.min_size) + " x " + std::to_string(per_worker) + " wanted)");
  else
    out.push_back(std::to_string(free) + " " + gpu + " are free on " + where + " but "
                  + std::to_string(needed) + " cannot be placed there as " + plural(j.min_size, "worker")
                  + " of " + std::to_string(per_worker)
                  + " (fragmented, or other resources or a reservation)");
}

void held_by_priority(const snapshot& snap, const plan& p, std::size_t index, const planner_config& cfg,
                      std::vector<std::string>& out) {
  const job_info& j = snap.jobs[index];
  std::set<std::string> eligible;
  for (const auto& n : snap.nodes)
    if (scheduling::node_admits(j.constraints, n))
      eligible.insert(n.name);
  int64_t lower = 0, not_lower = 0;
  for (std::size_t i = 0; i < p.jobs.size(); ++i) {
    if (i == index)
      continue;
    for (const auto& w : p.jobs[i].workers)
      if (eligible.count(w.node))
        (snap.jobs[i].priority < j.priority ? lower : not_lower) += gpus_per_worker(snap.jobs[i], cfg);
  }
  if (lower > 0)
    out.push_back(std::to_string(lower) + " " + cfg.gpu_resource
                  + " there stay with lower-priority jobs: " + "taking them would not make it fit");
  if (not_lower > 0)
    out.push_back(std::to_string(not_lower) + " " + cfg.gpu_resource
                  + " there are held by jobs of priority >= " + std::to_string(j.priority)
                  + ", which it cannot preempt");
}

void try_priorities(const snapshot& snap, const plan& p, std::size_t index, const planner_config& cfg,
                    time_point now, std::vector<std::string>& out) {
  const job_info& j = snap.jobs[index];
  std::set<int32_t> holders;
  for (std::size_t i = 0; i < p.jobs.size(); ++i)
    if (i != index && p.jobs[i].stage == job_stage::running && snap.jobs[i].priority >= j.priority)
      holders.insert(snap.jobs[i].priority);
  int tries = 0;
  for (int32_t q : holders) {
    if (++tries > max_tries || q == std::numeric_limits<int32_t>::max())
      break;
    snapshot what_if = snap;
    what_if.jobs[index].priority = q + 1;
    plan alt;
    if (admitted(what_if, j.key(), cfg, now, &alt)) {
      out.push_back("at priority >= " + std::to_string(q + 1) + " it would be admitted now, "
                    + victims(what_if, alt, j.key()));
      return;
    }
  }
}

void try_nodes(const snapshot& snap, std::size_t index, const planner_config& cfg, time_point now,
               const std::vector<std::string>& blocked, std::vector<std::string>& out) {
  if (blocked.empty())
    return;
  snapshot what_if = snap;
  const job_info& j = snap.jobs[index];
  for (auto& n : what_if.nodes)
    if (blocked_only_by_state(j, n)) {
      n.schedulable = true;
      n.ready = true;
      n.taints.erase(std::remove_if(n.taints.begin(), n.taints.end(), lifecycle_taint), n.taints.end());
    }
  if (admitted(what_if, j.key(), cfg, now))
    out.push_back("it would be admitted now if " + join(blocked) + " took workers again");
}

void try_smaller_minimum(const snapshot& snap, std::size_t index, const planner_config& cfg, time_point now,
                         std::vector<std::string>& out) {
  const job_info& j = snap.jobs[index];
  for (int32_t k = j.min_size - 1, tries = 0; k >= 1 && tries < max_tries; --k, ++tries) {
    snapshot what_if = snap;
    what_if.jobs[index].min_size = k;
    if (admitted(what_if, j.key(), cfg, now)) {
      out.push_back("with minSize " + std::to_string(k) + " it would be admitted now");
      return;
    }
  }
}

} // namespace

int64_t gpus_per_worker(const job_info& job, const planner_config& cfg) {
  return job.worker_resources.get(cfg.gpu_resource);
}

std::vector<std::string> what_would_change(const snapshot& snap, const plan& p, std::size_t index,
                                           const planner_config& cfg, time_point now) {
  const job_info& j = snap.jobs[index];
  const auto& d = p.jobs[index];
  std::vector<std::string> out;
  if (d.invalid)
    return {"its spec must be fixed: " + d.reason};
  if (d.stage == job_stage::running) {
    const int64_t per_worker = gpus_per_worker(j, cfg);
    if (d.size < j.max_size && per_worker > 0)
      out.push_back("needs " + std::to_string(int64_t{j.max_size - d.size} * per_worker) + " more "
                    + cfg.gpu_resource + " on " + scheduling::describe_constraints(j.constraints)
                    + " to reach maxSize");
    return out;
  }
  snapshot base = snap;
  if (j.cooldown_time && *j.cooldown_time > now) {
    out.push_back("its cooldown must end (at " + scheduling::format_time(*j.cooldown_time) + ")");
    base.jobs[index].cooldown_time.reset();
    if (admitted(base, j.key(), cfg, now)) {
      out.emplace_back("then it is admitted if nothing else changes");
      return out;
    }
  }
  const plan base_plan = scheduling::make_plan(base, cfg, now);
  std::vector<std::string> blocked;
  bool any_eligible = false;
  node_facts(base, base_plan, j, cfg, out, blocked, any_eligible);
  if (any_eligible)
    held_by_priority(base, base_plan, index, cfg, out);
  try_priorities(base, base_plan, index, cfg, now, out);
  try_nodes(base, index, cfg, now, blocked, out);
  try_smaller_minimum(base, index, cfg, now, out);
  return out;
}

start_estimate estimate_start(const snapshot& snap, const plan& p, std::size_t index,
                              const planner_config& cfg, time_point now, const deadlines& ends) {
  const job_info& j = snap.jobs[index];
  if (p.jobs[index].stage == job_stage::running)
    return {now, "admitted now"};
  if (p.jobs[index].invalid)
    return {std::nullopt, "unknown: the spec is invalid"};
  for (std::size_t i : p.queue) {
    if (i == index)
      break;
    if (p.jobs[i].stage == job_stage::waiting && !p.jobs[i].invalid)
      return {std::nullopt, "unknown: " + snap.jobs[i].key() + " waits ahead of it"};
  }
  snapshot what_if = snap;
  if (j.cooldown_time && *j.cooldown_time > now) {
    what_if.jobs[index].cooldown_time.reset();
    if (admitted(what_if, j.key(), cfg, *j.cooldown_time))
      return {*j.cooldown_time, "when its cooldown ends"};
  }
  // Running jobs end at their deadline at the latest: the job starts no
  // later than the first deadline after which the planner admits it.
  std::vector<std::pair<time_point, std::string>> by_end;
  for (std::size_t i = 0; i < snap.jobs.size(); ++i) {
    auto it = ends.find(snap.jobs[i].key());
    if (i != index && snap.jobs[i].stage == job_stage::running && it != ends.end() && it->second > now)
      by_end.emplace_back(it->second, snap.jobs[i].key());
  }
  std::sort(by_end.begin(), by_end.end());
  std::vector<std::string> ended;
  for (const auto& [at, key] : by_end) {
    auto gone = index_of(what_if, key);
    what_if.jobs.erase(what_if.jobs.begin() + static_cast<std::ptrdiff_t>(*gone));
    ended.push_back(key);
    if (admitted(what_if, j.key(), cfg, at))
      return {at, "at the latest, once " + join(ended) + " reach" + (ended.size() == 1 ? "es" : "")
                      + " activeDeadlineSeconds"};
  }
  return {std::nullopt, by_end.empty() ? "unknown: no running job has an activeDeadlineSeconds"
                                       : "unknown: the running jobs' deadlines do not free enough"};
}

std::vector<job_row> analyse_queue(const snapshot& snap, const plan& p, const planner_config& cfg,
                                   time_point now, const deadlines& ends, const analysis_scope& scope) {
  std::vector<job_row> rows;
  int position = 0, waiting = 0;
  std::size_t analysed = 0;
  for (std::size_t i : p.queue) {
    const job_info& j = snap.jobs[i];
    const auto& d = p.jobs[i];
    job_row r;
    r.namespace_ = j.namespace_;
    r.name = j.name;
    r.position = ++position;
    if (d.stage == job_stage::waiting && !d.invalid)
      r.waiting_position = ++waiting;
    r.priority = j.priority;
    r.queued_time = j.effective_queued_time();
    r.min_size = j.min_size;
    r.max_size = j.max_size;
    const bool running = j.stage == job_stage::running;
    r.current_size = running ? static_cast<int32_t>(j.workers.size()) : 0;
    r.stage = running ? "Running" : "Waiting";
    r.planned_stage = d.stage == job_stage::running ? "Running" : "Waiting";
    r.planned_size = d.size;
    const int64_t per_worker = gpus_per_worker(j, cfg);
    r.gpus_held = per_worker * r.current_size;
    r.gpus_wanted = per_worker * (d.stage == job_stage::running ? j.max_size : j.min_size);
    r.reason = d.reason;
    r.invalid = d.invalid;
    if (!scope.wanted(j))
      r.estimate = {std::nullopt, "not analysed"};
    else if ((d.stage == job_stage::waiting || d.size < j.max_size) && analysed++ >= scope.limit)
      r.estimate = {std::nullopt, "not analysed (at most " + std::to_string(scope.limit)
                                      + " jobs per listing): ask kubectl lattice why " + j.name};
    else {
      r.to_change = what_would_change(snap, p, i, cfg, now);
      r.estimate = estimate_start(snap, p, i, cfg, now, ends);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

} // namespace lattice::plugin
