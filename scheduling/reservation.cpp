// A reservation for the head of the queue: when the first job in queue
// order cannot be admitted, the nodes closest to holding its minSize are
// held for it, so smaller jobs behind it cannot keep it waiting forever.
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
  for (int n = 0; n < state_->node_count(); ++n) {
    if (!state_->eligible(head.cls, n))
      continue;
    int64_t empty = state_->empty_capacity(n, head.req);
    if (empty > 0)
      candidates.push_back({n, state_->capacity(n, head.req), empty});
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

} // namespace lattice::scheduling::detail
