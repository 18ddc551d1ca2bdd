// A reservation for the head of the queue: when the first job in queue
// order cannot be admitted, the nodes closest to holding its minSize are
// held for it, so smaller jobs behind it cannot keep it waiting forever.
// What those nodes hold free meanwhile is lent to running jobs of the
// head's priority (lend_reserved): the head reclaims it once it fits.
#include "scheduling/plan_builder.hpp"

#include <algorithm>
#include <limits>

namespace lattice::scheduling::detail {

bool plan_builder::could_ever_fit(const job_slot& s) const {
  // Summed once per eligibility class and request shape: a full cluster's
  // thousands of waiting jobs share a few of them.
  auto key = static_cast<uint64_t>(s.cls) << 32 | static_cast<uint32_t>(s.shape);
  auto [it, fresh] = potential_.try_emplace(key, 0);
  if (fresh)
    for (int n = 0; n < state_->node_count(); ++n)
      if (state_->eligible(s.cls, n))
        it->second += std::min<int64_t>(state_->empty_capacity(n, s.req), cluster_state::unbounded);
  return it->second >= static_cast<int64_t>(s.min());
}

void plan_builder::reserve_for(job_slot& head) {
  // A job that could not fit even on an empty cluster gets no reservation:
  // it would hold nodes forever.
  if (!could_ever_fit(head))
    return;
  // What each eligible node could hold for the head once the jobs on it
  // are gone (allocatable minus other pods), and what it holds now.
  struct candidate {
    int node;
    int64_t now;
    int64_t empty;
  };
  std::vector<candidate> candidates;
  // Workers the head could reclaim count as held for it, so nodes it was
  // lent out from stay reserved plan after plan.
  std::vector<int64_t> reclaimable = cfg_.lend_reserved ? reclaimable_by(head) : std::vector<int64_t>{};
  std::size_t dims = index_.size();
  for (int n = 0; n < state_->node_count(); ++n) {
    if (!state_->eligible(head.cls, n))
      continue;
    int64_t empty = state_->empty_capacity(n, head.req);
    if (empty <= 0)
      continue;
    int64_t now = reclaimable.empty() ? state_->capacity(n, head.req)
                                      : state_->capacity_after_release(
                                          n, head.req, &reclaimable[static_cast<std::size_t>(n) * dims], 1);
    candidates.push_back({n, now, empty});
  }
  // Nodes closest to free first (what they hold for it now), then the
  // largest, then by name: the same nodes plan after plan, as they fill up
  // for the head only.
  std::sort(candidates.begin(), candidates.end(), [](const candidate& a, const candidate& b) {
    if (a.now != b.now)
      return a.now > b.now;
    if (a.empty != b.empty)
      return a.empty > b.empty;
    return a.node < b.node;
  });
  int64_t covered = 0;
  for (const auto& c : candidates) {
    if (covered >= static_cast<int64_t>(head.min()))
      break;
    reserved_nodes_.push_back(c.node);
    covered += c.empty;
  }
  for (int n : reserved_nodes_)
    state_->block(n);
  reserved_for_ = static_cast<int>(head.input);
}

std::vector<int64_t> plan_builder::reclaimable_by(const job_slot& head) const {
  std::vector<int64_t> out;
  if (!cfg_.reclaim_locked)
    return out; // equal-priority workers inside their rescale interval stay
  std::size_t dims = index_.size();
  out.assign(static_cast<std::size_t>(state_->node_count()) * dims, 0);
  for (int id : victims_) {
    const job_slot& v = slots_[id];
    if (&v == &head || v.priority() > head.priority())
      continue;
    for (std::size_t i = v.min(); i < v.planned.size(); ++i) {
      int node = v.planned[i];
      if (node < 0 || !state_->eligible(head.cls, node))
        continue;
      for (std::size_t d = 0; d < dims; ++d)
        out[static_cast<std::size_t>(node) * dims + d] += v.req[d];
    }
  }
  return out;
}

void plan_builder::lend_reserved(const std::vector<int>& growth_order) {
  // Lent workers are safe for the head only if it can take them back at
  // once: equal priority, reclaimable inside the rescale interval.
  if (!cfg_.lend_reserved || !cfg_.reclaim_locked || reserved_for_ < 0)
    return;
  const job_slot& head = slots_[reserved_for_];
  if (head.admitted)
    return;
  auto may_borrow = [&](const job_slot& s) {
    // A job shrunk for an admission in this plan does not grow back here.
    if (s.priority() != head.priority() || !s.admitted || s.locked || s.taken_by >= 0
        || s.planned.size() >= s.useful_max || s.growth_held == growth_hold::not_worth)
      return false;
    // Each borrower restarts again when the head reclaims: with
    // lend_to_restarting_only, only jobs that restart now anyway borrow,
    // so lending costs them that one restart.
    bool restarting = s.planned.size() != s.current || s.job->placement_incomplete || s.repacked;
    return restarting || !cfg_.lend_to_restarting_only;
  };
  // (GPUs free, for a GPU job: a cheap test that keeps most plans from
  // re-blocking every node.)
  bool room = head.req[0] <= 0 || std::any_of(reserved_nodes_.begin(), reserved_nodes_.end(), [&](int n) {
                return state_->free(n)[0] > 0;
              });
  if (!room || std::none_of(growth_order.begin(), growth_order.end(), [&](int id) {
        return may_borrow(slots_[id]);
      }))
    return;
  // Only the reserved nodes are visible while jobs borrow.
  std::vector<int> hidden;
  for (int n = 0; n < state_->node_count(); ++n)
    if (!state_->blocked(n)) {
      hidden.push_back(n);
      state_->block(n);
    }
  for (int n : reserved_nodes_)
    state_->unblock(n);
  for (std::size_t pos = 0; pos < growth_order.size(); ++pos) {
    job_slot& s = slots_[growth_order[pos]];
    if (!may_borrow(s) || growth_blocked(s))
      continue;
    grow_one(s, s.useful_max, false, growth_order, pos);
  }
  for (int n : reserved_nodes_)
    state_->block(n);
  for (int n : hidden)
    state_->unblock(n);
}

std::size_t plan_builder::lent_workers(const job_slot& s) const {
  if (!cfg_.lend_reserved || !cfg_.reclaim_locked || reserved_for_ < 0 || &s == &slots_[reserved_for_]
      || !s.admitted)
    return 0;
  const job_slot& head = slots_[reserved_for_];
  if (head.admitted || s.priority() != head.priority() || s.planned.size() <= s.min())
    return 0;
  return static_cast<std::size_t>(
      std::count_if(s.planned.begin() + static_cast<std::ptrdiff_t>(s.min()), s.planned.end(), [this](int n) {
        return std::find(reserved_nodes_.begin(), reserved_nodes_.end(), n) != reserved_nodes_.end();
      }));
}

void plan_builder::count_lent_on_reserved() {
  lent_on_reserved_ = 0;
  for (const auto& s : slots_)
    lent_on_reserved_ += static_cast<int64_t>(lent_workers(s)) * std::max<int64_t>(s.req[0], 0);
}

} // namespace lattice::scheduling::detail
