// Phase A: admission at minSize, repair of running jobs, and taking capacity
// from other jobs (shrink, then preempt) only when that makes a job fit.
#include "scheduling/plan_builder.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

namespace lattice::scheduling::detail {

namespace {

/// Capacity given back by one step of a shrink-then-preempt simulation.
struct taken_unit {
  int victim;
  /// The whole job (preemption) rather than its highest worker (shrink).
  bool whole;
  /// For a shrink: the index of the removed worker.
  std::size_t index;
  std::vector<int> nodes;
};

} // namespace

void plan_builder::admit(job_slot& s) {
  s.processed = true;
  std::vector<int> placed;
  if (s.was_running && !s.preempted) {
    auto repair = [&] {
      std::vector<std::size_t> holes;
      for (std::size_t i = 0; i < s.planned.size(); ++i)
        if (s.planned[i] < 0)
          holes.push_back(i);
      if (holes.empty())
        return true;
      placed.clear();
      if (!acquire(s, holes.size(), nodes_of(s.planned), placed))
        return false;
      for (std::size_t k = 0; k < holes.size(); ++k)
        s.planned[holes[k]] = placed[k];
      return true;
    };
    if (repair()) {
      s.admitted = true;
      return;
    }
    // Holes that cannot be filled are filled from the job's own top: it gives
    // up its highest workers (down to minSize, a locked job too) one at a
    // time, so a hole at a low index (a worker lost in a restart or with its
    // node) costs one worker, not the whole job.
    while (s.planned.size() > s.min()) {
      if (s.planned.back() >= 0)
        state_->release(s.planned.back(), s.req, 1);
      s.planned.pop_back();
      s.protected_count = std::min(s.protected_count, s.planned.size());
      if (repair()) {
        s.admitted = true;
        return;
      }
    }
    for (int node : s.planned)
      if (node >= 0)
        state_->release(node, s.req, 1);
    s.planned.clear();
    s.lost_minimum = true;
    return;
  }
  // Waiting (or preempted earlier in this plan): all of minSize or nothing.
  if (acquire(s, s.min(), s.preempted ? nodes_of(s.old_nodes) : std::vector<int>{}, placed)) {
    s.planned = placed;
    s.protected_count = s.min();
    s.admitted = true;
  }
}

bool plan_builder::acquire(job_slot& s, std::size_t count, const std::vector<int>& preferred,
                           std::vector<int>& out) {
  auto need = static_cast<int64_t>(count);
  auto& known = failures_[static_cast<uint64_t>(s.cls) << 32 | static_cast<uint32_t>(s.shape)];
  if (!known.empty() && known.front().epoch != state_->release_epoch())
    known.clear();
  for (const auto& f : known)
    if (f.priority >= s.priority() && f.count <= count) {
      s.largest_possible = f.largest;
      return false;
    }
  int64_t total = state_->total_capacity(s.cls, s.req, need);
  if (total < need && !take_from_others(s, need, total)) {
    s.largest_possible = total;
    if (!known.empty() && known.front().epoch != state_->release_epoch())
      known.clear();
    known.push_back({state_->release_epoch(), s.priority(), count, total});
    return false;
  }
  state_->place(s.cls, s.req, need, preferred, out);
  return true;
}

void plan_builder::release_slot_worker(job_slot& v, int node, const job_slot& for_job, int64_t& total) {
  bool counts = state_->eligible(for_job.cls, node);
  int64_t before = counts ? state_->capacity(node, for_job.req) : 0;
  state_->release(node, v.req, 1);
  if (counts)
    total += state_->capacity(node, for_job.req) - before;
}

void plan_builder::reserve_slot_worker(job_slot& v, int node, const job_slot& for_job, int64_t& total) {
  bool counts = state_->eligible(for_job.cls, node);
  int64_t before = counts ? state_->capacity(node, for_job.req) : 0;
  state_->reserve(node, v.req, 1);
  if (counts)
    total += state_->capacity(node, for_job.req) - before;
}

bool plan_builder::take_from_others(job_slot& s, int64_t need, int64_t total) {
  uint64_t epoch = state_->release_epoch();
  std::vector<taken_unit> units;
  bool fit = false;
  auto touches = [&](const job_slot& v) {
    return std::any_of(v.planned.begin(), v.planned.end(),
                       [&](int n) { return n >= 0 && state_->eligible(s.cls, n); });
  };
  // 1. Shrink toward minSize: strictly lower priority (lowest first, latest
  //    queued first), then the unprotected part of equal-priority jobs.
  for (auto it = victims_.begin(); it != victims_.end() && !fit; ++it) {
    job_slot& v = slots_[*it];
    if (v.priority() > s.priority())
      break;
    // Workers above minSize are lent: an equal-priority admission reclaims
    // them (of a job inside its rescale interval too, with reclaim_locked).
    std::size_t floor = v.priority() < s.priority() || cfg_.reclaim_locked ? v.min() : v.protected_count;
    if (&v == &s || v.planned.size() <= floor || !touches(v))
      continue;
    while (v.planned.size() > floor && !fit) {
      int node = v.planned.back();
      v.planned.pop_back();
      if (node >= 0)
        release_slot_worker(v, node, s, total);
      units.push_back({*it, false, v.planned.size(), {node}});
      fit = total >= need;
    }
  }
  auto give_back = [&](const taken_unit& u) {
    job_slot& v = slots_[u.victim];
    for (int node : u.nodes) {
      if (node >= 0)
        reserve_slot_worker(v, node, s, total);
      v.planned.push_back(node);
    }
  };
  // 2. Preempt whole jobs of strictly lower priority, lowest first, the
  //    most recently started first within a priority (least work lost).
  //    Once that order fits, the same step is taken again choosing the
  //    fewest victims among those started alike (fewest_victims_pick): it
  //    takes from the same jobs, so it fits too, and a job that cannot fit
  //    at all costs no more than the plain order.
  auto preempt = [&](bool fewest) {
    std::vector<bool> preempted(preempt_order_.size(), false);
    std::size_t head = 0;
    while (!fit) {
      auto usable = [&](std::size_t k) {
        const job_slot& v = slots_[preempt_order_[k]];
        return !preempted[k] && !v.processed && !v.planned.empty() && touches(v);
      };
      while (head < preempt_order_.size() && !usable(head))
        ++head;
      if (head == preempt_order_.size() || slots_[preempt_order_[head]].priority() >= s.priority())
        return;
      std::size_t pick = fewest ? fewest_victims_pick(s, head, need - total, preempted) : head;
      job_slot& v = slots_[preempt_order_[pick]];
      preempted[pick] = true;
      units.push_back({preempt_order_[pick], true, 0, v.planned});
      for (int node : v.planned)
        if (node >= 0)
          release_slot_worker(v, node, s, total);
      v.planned.clear();
      fit = total >= need;
    }
  };
  std::size_t shrinks = units.size();
  preempt(false);
  if (fit && units.size() > shrinks && cfg_.restart_cost.count() > 0) {
    while (units.size() > shrinks) {
      give_back(units.back());
      units.pop_back();
    }
    fit = total >= need;
    preempt(true);
  }
  if (!fit) {
    for (auto u = units.rbegin(); u != units.rend(); ++u)
      give_back(*u);
    state_->rollback_epoch(epoch);
    return false;
  }
  // Take no more than needed: give back, newest first, every unit the job
  // still fits without (a shrunk job only regains its next index).
  std::vector<bool> returned(units.size(), false);
  for (std::size_t k = units.size(); k-- > 0;) {
    const taken_unit& u = units[k];
    job_slot& v = slots_[u.victim];
    if (u.whole ? !v.planned.empty() : v.planned.size() != u.index)
      continue;
    give_back(u);
    if (total >= need) {
      returned[k] = true;
      continue;
    }
    for (const int node : u.nodes) {
      if (node >= 0)
        release_slot_worker(v, node, s, total);
      v.planned.pop_back();
    }
  }
  for (std::size_t k = 0; k < units.size(); ++k) {
    if (returned[k])
      continue;
    job_slot& v = slots_[units[k].victim];
    v.taken_by = static_cast<int>(s.input);
    if (units[k].whole)
      v.preempted = true;
  }
  return true;
}

int64_t plan_builder::preemption_gain(const job_slot& v, const job_slot& for_job) {
  // Workers per node, as runs of the sorted node ids.
  gain_nodes_.assign(v.planned.begin(), v.planned.end());
  std::sort(gain_nodes_.begin(), gain_nodes_.end());
  int64_t gain = 0;
  for (std::size_t k = 0; k < gain_nodes_.size();) {
    int node = gain_nodes_[k];
    std::size_t end = k;
    while (end < gain_nodes_.size() && gain_nodes_[end] == node)
      ++end;
    if (node >= 0 && state_->eligible(for_job.cls, node))
      gain += state_->capacity_after_release(node, for_job.req, v.req, static_cast<int64_t>(end - k))
              - state_->capacity(node, for_job.req);
    k = end;
  }
  return gain;
}

std::size_t plan_builder::fewest_victims_pick(const job_slot& s, std::size_t head, int64_t missing,
                                              const std::vector<bool>& preempted) {
  // A preemption throws away each GPU's work since the job last started, and
  // costs a restart. Victims that started within one restart cost of the
  // most recent lose about the same per GPU, so among them the fewest jobs
  // are taken: each step the one that makes up the most of what is missing
  // without exceeding it, else the one that covers it with the least to
  // spare (more GPUs freed than needed is more work thrown away). Legacy
  // (no restart cost) keeps the plain order.
  auto tolerance = std::chrono::duration_cast<time_point::duration>(cfg_.restart_cost).count();
  if (tolerance <= 0)
    return head;
  const job_slot& first = slots_[preempt_order_[head]];
  // Bounds the trial releases per step, so a preemption stays cheap among
  // thousands of jobs started in the same second.
  constexpr std::size_t max_considered = 64;
  std::optional<std::size_t> under, over;
  int64_t best_under = 0, best_over = 0;
  std::size_t considered = 0;
  for (std::size_t k = head; k < preempt_order_.size() && considered < max_considered; ++k) {
    const job_slot& v = slots_[preempt_order_[k]];
    if (v.priority() != first.priority() || v.started < first.started - tolerance)
      break;
    if (preempted[k] || v.processed || v.planned.empty())
      continue;
    ++considered;
    int64_t gain = preemption_gain(v, s);
    if (gain <= 0)
      continue;
    if (gain <= missing && gain > best_under) {
      under = k;
      best_under = gain;
    } else if (gain > missing && (!over || gain < best_over)) {
      over = k;
      best_over = gain;
    }
  }
  // Only workers on nodes the job may use count; where no single job frees
  // a usable slot (a worker needs GPUs two victims share a node with), the
  // plain order goes on.
  return under ? *under : over ? *over : head;
}

void plan_builder::second_chance() {
  if (cfg_.growth == growth_order::queue && !cfg_.rebalance && !cfg_.consolidate)
    return; // phase B only added workers: nobody refused can fit now
  // Capacity only shrinks during this sweep: a (class, shape) that did not
  // fit n workers does not fit n or more later in it.
  std::unordered_map<uint64_t, std::size_t> refused;
  for (int id : order_) {
    job_slot& s = slots_[id];
    if (s.invalid || s.cooling || s.admitted || !s.processed)
      continue;
    auto key = static_cast<uint64_t>(s.cls) << 32 | static_cast<uint32_t>(s.shape);
    if (auto it = refused.find(key);
        it != refused.end() && s.min() >= it->second && static_cast<int>(s.input) != reserved_for_)
      continue;
    // The head may use its reserved nodes; for everyone else they stay
    // reserved for the rest of this plan.
    bool head = static_cast<int>(s.input) == reserved_for_;
    if (head)
      for (int n : reserved_nodes_)
        state_->unblock(n);
    if (state_->total_capacity(s.cls, s.req, static_cast<int64_t>(s.min())) < static_cast<int64_t>(s.min())) {
      if (static_cast<int>(s.input) != reserved_for_) {
        auto [it, fresh] = refused.try_emplace(key, s.min());
        it->second = std::min(it->second, s.min());
      }
    } else {
      std::vector<int> placed;
      state_->place(s.cls, s.req, static_cast<int64_t>(s.min()), {}, placed);
      s.planned = placed;
      s.protected_count = s.min();
      s.admitted = true;
      s.behind_reservation = false;
      s.lost_minimum = false;
    }
    if (head)
      for (int n : reserved_nodes_)
        state_->block(n);
  }
}

} // namespace lattice::scheduling::detail
