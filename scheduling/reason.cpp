// The human-readable reason attached to every job that waits or runs below
// its maxSize (shown in status conditions, Events and the debug port).
#include "scheduling/constraints.hpp"
#include "scheduling/plan_builder.hpp"

#include <algorithm>
#include <sstream>

namespace lattice::scheduling::detail {

void plan_builder::append_needs(std::string& out, const job_slot& s, std::size_t count) const {
  auto [it, fresh] = needs_text_.try_emplace({s.cls, s.shape});
  if (fresh)
    it->second =
        " x " + format_resources(s.job->worker_resources) + " on " + describe_constraints(s.job->constraints);
  out += "needs ";
  out += std::to_string(count);
  out += it->second;
}

std::string plan_builder::never_fits_why(const job_slot& s) const {
  if (could_ever_fit(s))
    return {};
  int matching = 0;
  bool one_fits = false;
  int64_t most = 0;
  for (int n = 0; n < state_->node_count(); ++n) {
    if (!state_->eligible(s.cls, n))
      continue;
    ++matching;
    const auto holds = std::min<int64_t>(state_->empty_capacity(n, s.req), cluster_state::unbounded);
    one_fits |= holds > 0;
    most += holds;
  }
  if (matching == 0)
    return "no node matches its placement constraints";
  if (!one_fits)
    return "one worker asks more than any of the " + std::to_string(matching) + " matching node"
           + (matching == 1 ? "" : "s") + " can hold";
  return (matching == 1 ? std::string("the only matching node holds")
                        : "the " + std::to_string(matching) + " matching nodes hold")
         + " at most " + std::to_string(most) + " of its minSize " + std::to_string(s.min());
}

std::string plan_builder::reason_for(const job_slot& s) const {
  const job_info& j = *s.job;
  std::string out;
  out.reserve(128);
  if (s.cooling) {
    out = "in cooldown until " + format_time(*j.cooldown_time) + " after "
          + std::to_string(j.schedule_failures) + " schedule failure" + (j.schedule_failures == 1 ? "" : "s");
    return out;
  }
  if (s.taken_by >= 0) {
    const job_info& by = *slots_[s.taken_by].job;
    out += s.preempted ? "preempted" : "shrunk";
    out += " to make room for " + by.key() + " (priority " + std::to_string(by.priority) + "); ";
  }
  if (!s.admitted) {
    if (s.lost_minimum)
      out += "cannot keep minSize after losing workers; ";
    // A job that cannot fit even on an empty cluster says so first: waiting
    // will not help, only a smaller minSize, smaller requests, other
    // constraints or more nodes will.
    if (const auto why = never_fits_why(s); !why.empty())
      out += "can never be placed on this cluster: " + why + "; ";
    append_needs(out, s, s.min());
    out += "; largest placement possible now: ";
    out += std::to_string(s.largest_possible);
    if (reserved_for_ == static_cast<int>(s.input)) {
      out += "; head of the queue: " + std::to_string(reserved_nodes_.size()) + " node"
             + (reserved_nodes_.size() == 1 ? "" : "s") + " reserved for it";
      if (lent_on_reserved_ > 0)
        out += " (" + std::to_string(lent_on_reserved_) + (lent_on_reserved_ == 1 ? " GPU" : " GPUs")
               + " there lent until it fits)";
    } else if (s.behind_reservation && reserved_for_ >= 0) {
      out += "; nodes are reserved for " + slots_[reserved_for_].job->key() + " (head of the queue)";
    }
  } else if (s.planned.size() >= s.max()) {
    out += "at maxSize";
  } else if (s.locked) {
    out += "rescale interval: next resize allowed at " + format_time(*j.last_resize_time + hold(j));
  } else if (s.growth_held == growth_hold::priority) {
    out += "below maxSize " + std::to_string(s.max()) + ": growth held while a job of priority "
           + std::to_string(held_by_.at(static_cast<int>(s.input))) + " waits";
  } else if (s.growth_held == growth_hold::headroom) {
    out += "below maxSize " + std::to_string(s.max()) + ": the last " + std::to_string(headroom_)
           + " GPUs are kept free for arrivals";
  } else if (s.growth_held == growth_hold::quiet) {
    out += "below maxSize " + std::to_string(s.max()) + ": jobs arrived within the last "
           + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(cfg_.growth_quiet).count())
           + " s; free GPUs are kept for arrivals until " + format_time(*last_arrival_ + cfg_.growth_quiet);
  } else if (s.growth_held == growth_hold::budget) {
    out += "below maxSize " + std::to_string(s.max()) + ": growth budget: next growth allowed at "
           + format_time(*growth_allowed_at(s));
  } else if (s.growth_held == growth_hold::not_worth) {
    out += "below maxSize " + std::to_string(s.max()) + ": the room now would not repay a restart";
  } else if (s.useful_max < s.max() && s.planned.size() >= s.useful_max) {
    // Free room or not, its own reports stop it: saying "no room" would
    // send the user looking for capacity that would not help.
    std::ostringstream share;
    share << cfg_.min_marginal_speedup;
    out += "below maxSize " + std::to_string(s.max())
           + ": its throughput reports show no speed-up worth a worker past " + std::to_string(s.useful_max)
           + " (each added worker would bring less than " + share.str() + " of one worker's rate)";
  } else {
    out += "below maxSize " + std::to_string(s.max()) + ": no room now for "
           + std::to_string(s.max() - s.planned.size()) + " more";
    auto [it, fresh] = needs_text_.try_emplace({s.cls, s.shape});
    if (fresh)
      it->second =
          " x " + format_resources(j.worker_resources) + " on " + describe_constraints(j.constraints);
    out += it->second;
  }
  if (auto lent = lent_workers(s); lent > 0)
    out += "; " + std::to_string(lent) + (lent == 1 ? " worker" : " workers") + " on nodes reserved for "
           + slots_[reserved_for_].job->key() + ", lent until it fits";
  return out;
}

} // namespace lattice::scheduling::detail
