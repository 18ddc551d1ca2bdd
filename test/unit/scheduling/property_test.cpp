// Invariants over thousands of random snapshots (fixed seeds): capacity,
// sizes, eligibility, priority fairness, shrink attribution, determinism.
#include "builders.hpp"
#include "scheduling/constraints.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <random>

namespace lattice::scheduling::testing {
namespace {

constexpr int snapshots_per_seed = 1000;
const time_point now = at(1000);

struct generated {
  snapshot snap;
  bool lost_workers = false;
};

class generator {
public:
  explicit generator(uint32_t seed) : rng_(seed) {}

  generated next() {
    generated g;
    int node_count = pick(1, 9);
    for (int i = 0; i < node_count; ++i)
      g.snap.nodes.push_back(random_node(i));
    int job_count = pick(1, 14);
    std::vector<node_info> load = g.snap.nodes; // allocatable minus what we place
    for (auto& n : load)
      for (const auto& [name, amount] : n.used_by_others.entries())
        n.allocatable.set(name, n.allocatable.get(name) - amount);
    for (int i = 0; i < job_count; ++i)
      g.snap.jobs.push_back(random_job(i, load));
    // Workers on a NotReady or cordoned node are lost too: the planner
    // moves them, so the "caused by a taker" invariants do not apply.
    for (const auto& j : g.snap.jobs)
      for (const auto& w : j.workers)
        for (const auto& n : g.snap.nodes)
          if (n.name == w.node && !(n.ready && n.schedulable))
            g.lost_workers = true;
    if (chance(0.2)) {
      for (auto& j : g.snap.jobs)
        if (!j.workers.empty()) {
          j.workers.back().node = "gone";
          g.lost_workers = true;
          break;
        }
    }
    return g;
  }

private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>{lo, hi}(rng_); }
  bool chance(double p) { return std::bernoulli_distribution{p}(rng_); }

  node_info random_node(int i) {
    static const int64_t gpu_choices[] = {0, 2, 4, 8, 8};
    auto n = make_node("n" + std::to_string(i))
                 .gpus(gpu_choices[pick(0, 4)])
                 .cpu_millis(1000 * pick(8, 64))
                 .memory(int64_t{1} << 30 << pick(4, 8))
                 .label("g", chance(0.5) ? "a" : "b");
    if (chance(0.7))
      n.label("zone", "z" + std::to_string(pick(1, 3)));
    if (chance(0.15))
      n.taint("dedicated", "x", static_cast<taint_effect>(pick(0, 2)));
    if (chance(0.1))
      n.cordoned();
    if (chance(0.1))
      n.not_ready();
    if (chance(0.2))
      n.used("cpu", 1000 * pick(0, 4));
    return n;
  }

  job_info random_job(int i, std::vector<node_info>& load) {
    int min = pick(1, 3);
    auto b = make_job("j" + std::to_string(i))
                 .priority(pick(0, 3))
                 // Every third job is old (hours), so the growth budget binds.
                 .submitted(pick(0, 100) - (i % 3 == 0 ? 20'000 : 0))
                 .min(min)
                 .max(min + pick(0, 4))
                 .gpus(pick(0, 4))
                 .cpu_millis(1000 * pick(1, 8));
    if (chance(0.3))
      b.memory(int64_t{1} << 30 << pick(0, 5));
    if (chance(0.3))
      b.selector("g", chance(0.5) ? "a" : "b");
    if (chance(0.2)) {
      auto op = static_cast<selector_operator>(pick(0, 3));
      std::vector<std::string> values;
      if (op == selector_operator::in || op == selector_operator::not_in)
        values = {"z" + std::to_string(pick(1, 3))};
      b.affinity_term({{"zone", op, values}});
    }
    if (chance(0.3))
      chance(0.5) ? b.tolerate("dedicated") : b.tolerate("dedicated", "x", taint_effect::no_schedule);
    if (chance(0.1))
      b.cooldown_until(chance(0.5) ? 1500 : 500, pick(1, 4));
    if (chance(0.3))
      b.resized(pick(700, 1000));
    job_info j = b;
    if (chance(0.5))
      place_running(j, load);
    return j;
  }

  // Running jobs sit on nodes that had room for them (any node state).
  void place_running(job_info& j, std::vector<node_info>& load) {
    int size = pick(j.min_size, j.max_size);
    std::vector<worker_placement> workers;
    for (int w = 0; w < size; ++w) {
      std::vector<std::size_t> fits;
      for (std::size_t n = 0; n < load.size(); ++n) {
        bool ok = matches_labels(j.constraints, load[n].labels);
        for (const auto& [name, amount] : j.worker_resources.entries())
          ok = ok && load[n].allocatable.get(name) >= amount;
        if (ok)
          fits.push_back(n);
      }
      if (fits.empty())
        break;
      auto n = fits[static_cast<std::size_t>(pick(0, static_cast<int>(fits.size()) - 1))];
      for (const auto& [name, amount] : j.worker_resources.entries())
        load[n].allocatable.set(name, load[n].allocatable.get(name) - amount);
      workers.push_back({w, load[n].name});
    }
    if (static_cast<int>(workers.size()) < j.min_size) {
      for (const auto& w : workers) // give the capacity back
        for (auto& n : load)
          if (n.name == w.node)
            for (const auto& [name, amount] : j.worker_resources.entries())
              n.allocatable.set(name, n.allocatable.get(name) + amount);
      return;
    }
    j.stage = job_stage::running;
    j.workers = workers;
  }

  std::mt19937 rng_;
};

/// The test's own reading of the eligibility rules, independent of the
/// library's, so a broken matcher cannot vouch for itself.
bool may_place(const job_info& j, const node_info& n) {
  if (!n.ready || !n.schedulable)
    return false;
  for (const auto& [k, v] : j.constraints.node_selector)
    if (!n.labels.count(k) || n.labels.at(k) != v)
      return false;
  bool any_term = j.constraints.required_affinity.empty();
  for (const auto& term : j.constraints.required_affinity) {
    bool all = !term.match_expressions.empty();
    for (const auto& r : term.match_expressions) {
      bool has = n.labels.count(r.key) > 0;
      bool in = has && std::count(r.values.begin(), r.values.end(), n.labels.at(r.key)) > 0;
      bool ok = r.op == selector_operator::in       ? in
                : r.op == selector_operator::not_in ? !in
                : r.op == selector_operator::exists ? has
                                                    : !has; // the generator uses no Gt/Lt
      all = all && ok;
    }
    any_term = any_term || all;
  }
  if (!any_term)
    return false;
  for (const auto& t : n.taints) {
    if (t.effect == taint_effect::prefer_no_schedule)
      continue;
    bool tolerated = false;
    for (const auto& tol : j.constraints.tolerations) {
      bool effect = !tol.effect || *tol.effect == t.effect;
      bool key = tol.op == toleration_operator::exists ? tol.key.empty() || tol.key == t.key
                                                       : tol.key == t.key && tol.value == t.value;
      tolerated = tolerated || (effect && key);
    }
    if (!tolerated)
      return false;
  }
  return true;
}

/// Within its hold: the rescale interval, or the resize budget's longer hold.
bool locked(const job_info& j, const planner_config& cfg) {
  if (j.stage != job_stage::running || !j.last_resize_time)
    return false;
  auto age = std::chrono::duration_cast<milliseconds>(now - j.submit_time).count();
  auto budget = milliseconds{
      static_cast<int64_t>(static_cast<double>(std::max<int64_t>(age, 0)) * cfg.rescale_age_fraction)};
  return now - *j.last_resize_time < std::max(cfg.rescale_interval, std::min(budget, cfg.max_rescale_hold));
}

/// Within the growth budget's hold: resized at L, submitted at S, it may grow
/// once now - L >= f x (now - S), at most max_rescale_hold after L.
bool growth_budget_holds(const job_info& j, const planner_config& cfg) {
  if (j.stage != job_stage::running || !j.last_resize_time || cfg.growth_age_fraction <= 0)
    return false;
  double f = cfg.growth_age_fraction;
  double since = std::chrono::duration<double>(*j.last_resize_time - j.submit_time).count();
  double cap = std::chrono::duration<double>(cfg.max_rescale_hold).count();
  double wait = std::min(f < 1 ? std::max(0.0, f * since / (1 - f)) : cap, cap);
  return std::chrono::duration<double>(now - *j.last_resize_time).count() < std::ceil(wait);
}

bool cooling(const job_info& j) {
  return j.stage == job_stage::waiting && j.cooldown_time && now < *j.cooldown_time;
}

/// Free resources per node after the plan, optionally not counting workers
/// of jobs for which `ignore` is true.
template <class Ignore>
std::map<std::string, resource_list> free_after(const snapshot& s, const plan& p, Ignore ignore) {
  std::map<std::string, resource_list> free;
  for (const auto& n : s.nodes) {
    resource_list r;
    for (const auto& [name, amount] : n.allocatable.entries())
      r.set(name, amount - n.used_by_others.get(name));
    for (const auto& [name, amount] : n.used_by_others.entries())
      r.set(name, n.allocatable.get(name) - amount);
    free[n.name] = r;
  }
  for (std::size_t i = 0; i < s.jobs.size(); ++i) {
    if (ignore(s.jobs[i]))
      continue;
    for (const auto& w : p.jobs[i].workers)
      for (const auto& [name, amount] : s.jobs[i].worker_resources.entries())
        free[w.node].set(name, free[w.node].get(name) - amount);
  }
  return free;
}

int64_t fits(const resource_list& free, const job_info& j) {
  int64_t cap = 1 << 30;
  for (const auto& [name, amount] : j.worker_resources.entries())
    if (amount > 0)
      cap = std::min(cap, std::max<int64_t>(0, free.get(name) / amount));
  return cap;
}

/// Room for `j` on the nodes it may use, leaving out `skip` (reserved nodes).
int64_t room_for(const snapshot& s, const std::map<std::string, resource_list>& free, const job_info& j,
                 const std::vector<std::string>& skip = {}) {
  int64_t total = 0;
  for (const auto& n : s.nodes)
    if (may_place(j, n) && std::find(skip.begin(), skip.end(), n.name) == skip.end())
      total += fits(free.at(n.name), j);
  return total;
}

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

void check(const generated& g, const plan& p, const planner_config& cfg, const std::string& where) {
  const bool legacy = cfg.growth == growth_order::queue && !cfg.rebalance;
  const snapshot& s = g.snap;
  ASSERT_EQ(p.jobs.size(), s.jobs.size()) << where;
  // No node over-committed.
  auto free = free_after(s, p, [](const job_info&) { return false; });
  for (const auto& [node, r] : free)
    for (const auto& [name, amount] : r.entries())
      ASSERT_GE(amount, 0) << where << ": node " << node << " over-committed on " << name;
  // Free capacity if every job below a priority were preempted, per priority.
  std::map<int32_t, std::map<std::string, resource_list>> without_lower;
  for (std::size_t i = 0; i < s.jobs.size(); ++i) {
    const job_info& j = s.jobs[i];
    const job_decision& d = p.jobs[i];
    auto ctx = where + " job " + j.name + " (" + d.reason + ")";
    ASSERT_FALSE(d.invalid) << ctx;
    ASSERT_EQ(d.size, static_cast<int32_t>(d.workers.size())) << ctx;
    for (std::size_t k = 0; k < d.workers.size(); ++k)
      ASSERT_EQ(d.workers[k].index, static_cast<int32_t>(k)) << ctx;
    if (d.stage == job_stage::running) {
      ASSERT_GE(d.size, j.min_size) << ctx;
      ASSERT_LE(d.size, j.max_size) << ctx;
    } else {
      ASSERT_EQ(d.size, 0) << ctx;
    }
    if (cooling(j)) {
      ASSERT_EQ(d.stage, job_stage::waiting) << ctx;
    }
    // New workers go only where the job may run.
    for (const auto& w : d.added) {
      auto n =
          std::find_if(s.nodes.begin(), s.nodes.end(), [&](const node_info& x) { return x.name == w.node; });
      ASSERT_NE(n, s.nodes.end()) << ctx;
      ASSERT_TRUE(may_place(j, *n)) << ctx << " placed on " << w.node;
    }
    // Growth is complete: a non-locked running job below max has no room
    // left (outside reserved nodes), unless the policy says why it keeps
    // its size (a resize not worth its restart, a higher priority waiting,
    // it just lent workers to another job, the growth budget holds it).
    if (d.stage == job_stage::running && d.size < j.max_size && !locked(j, cfg)) {
      if (contains(d.reason, "growth budget")) {
        ASSERT_TRUE(growth_budget_holds(j, cfg)) << ctx;
      }
      // (Rule 2's "a lower priority never grows while a higher priority
      // waits" holds back every policy.)
      bool explained = contains(d.reason, "growth held")
                       || (!legacy
                           && (contains(d.reason, "would not repay") || contains(d.reason, "make room for")
                               || contains(d.reason, "kept free") || contains(d.reason, "growth budget")));
      if (!explained) {
        ASSERT_EQ(room_for(s, free, j, p.reserved_nodes), 0) << ctx;
      }
    }
    if (g.lost_workers)
      continue;
    // No job waits while preempting strictly lower-priority jobs would admit it.
    if (d.stage == job_stage::waiting && !cooling(j)) {
      auto cached = without_lower.find(j.priority);
      if (cached == without_lower.end())
        cached = without_lower
                     .emplace(j.priority,
                              free_after(s, p, [&](const job_info& o) { return o.priority < j.priority; }))
                     .first;
      // Reserved nodes are the head's alone.
      auto skip = j.key() == p.reserved_for ? std::vector<std::string>{} : p.reserved_nodes;
      ASSERT_LT(room_for(s, cached->second, j, skip), j.min_size) << ctx;
    }
    // Shrinks and preemptions are caused by a higher priority job, or by an
    // equal-priority job taking workers above minSize of an unlocked job
    // (of a locked one too when admissions reclaim lent workers).
    if (j.stage == job_stage::running) {
      auto before = std::min<int32_t>(static_cast<int32_t>(j.workers.size()), j.max_size);
      if (d.size < before) {
        ASSERT_FALSE(d.preempted_by.empty()) << ctx;
        auto taker = std::find_if(s.jobs.begin(), s.jobs.end(),
                                  [&](const job_info& o) { return o.key() == d.preempted_by; });
        ASSERT_NE(taker, s.jobs.end()) << ctx;
        bool higher = taker->priority > j.priority;
        bool equal_share = taker->priority == j.priority && (!locked(j, cfg) || cfg.reclaim_locked)
                           && d.stage == job_stage::running;
        ASSERT_TRUE(higher || equal_share) << ctx << " shrunk by " << d.preempted_by;
        if (d.preempted) {
          ASSERT_GT(taker->priority, j.priority) << ctx;
        }
      }
    }
  }
}

struct property_case {
  const char* policy;
  planner_config config;
  uint32_t seed;
};

void PrintTo(const property_case& c, std::ostream* os) {
  *os << c.policy << " seed " << c.seed;
}

class planner_properties : public ::testing::TestWithParam<property_case> {};

TEST_P(planner_properties, invariants_hold_on_random_snapshots) {
  const auto& cfg = GetParam().config;
  generator gen{GetParam().seed};
  // How often the interesting paths ran, so a generator change that stops
  // exercising them fails loudly instead of passing vacuously.
  int preempted = 0, shrunk = 0, waiting = 0, moved = 0, budget = 0;
  for (int k = 0; k < snapshots_per_seed; ++k) {
    auto g = gen.next();
    auto p = make_plan(g.snap, cfg, now);
    auto where = std::string(GetParam().policy) + " seed " + std::to_string(GetParam().seed) + " snapshot "
                 + std::to_string(k);
    check(g, p, cfg, where);
    if (::testing::Test::HasFatalFailure())
      return;
    for (const auto& d : p.jobs) {
      preempted += d.preempted;
      shrunk += !d.preempted_by.empty() && d.stage == job_stage::running;
      waiting += d.stage == job_stage::waiting;
      moved += !d.added.empty() && !d.removed.empty();
      budget += d.reason.find("growth budget") != std::string::npos;
    }
    // Determinism: the same snapshot in another order gives the same plan.
    snapshot reordered = g.snap;
    std::reverse(reordered.nodes.begin(), reordered.nodes.end());
    std::reverse(reordered.jobs.begin(), reordered.jobs.end());
    auto q = make_plan(reordered, cfg, now);
    for (std::size_t i = 0; i < g.snap.jobs.size(); ++i) {
      const auto& a = p.jobs[i];
      const auto& b = q.jobs[g.snap.jobs.size() - 1 - i];
      ASSERT_EQ(a.workers, b.workers) << where << " job " << a.name;
      ASSERT_EQ(a.reason, b.reason) << where << " job " << a.name;
    }
  }
  std::printf(
      "%s seed %u: %d preempted, %d shrunk or moved for others, %d waiting, %d with pods moved, %d held "
      "by the growth budget\n",
      GetParam().policy, GetParam().seed, preempted, shrunk, waiting, moved, budget);
  EXPECT_GE(preempted, 100);
  EXPECT_GE(shrunk, 100);
  EXPECT_GE(waiting, 1000);
  if (cfg.growth_age_fraction > 0) {
    EXPECT_GE(budget, 10);
  }
}

INSTANTIATE_TEST_SUITE_P(seeds, planner_properties,
                         ::testing::Values(property_case{"default", planner_config{}, 1},
                                           property_case{"default", planner_config{}, 2},
                                           property_case{"default", planner_config{}, 3},
                                           property_case{"legacy", planner_config::legacy(), 1},
                                           property_case{"legacy", planner_config::legacy(), 2},
                                           property_case{"legacy", planner_config::legacy(), 3}),
                         [](const auto& info) {
                           return std::string(info.param.policy) + "_" + std::to_string(info.param.seed);
                         });

} // namespace
} // namespace lattice::scheduling::testing
