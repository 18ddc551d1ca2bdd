// What the growth policy knows of each job: its current size, hold (rule 6
// and the resize budget), attained service and class, fitted scaling and
// useful maximum; and the order in which equal-priority jobs lend.
#include "scheduling/plan_builder.hpp"

#include <algorithm>

namespace lattice::scheduling::detail {

void plan_builder::describe_service(job_slot& s) {
  const job_info& j = *s.job;
  s.current = s.was_running ? j.workers.size() : 0;
  if (s.was_running && j.last_resize_time)
    s.locked = now_ < *j.last_resize_time + hold(j);
  if (j.attained_service) {
    s.attained = *j.attained_service;
  } else {
    s.attained = std::max(j.banked_service, 0.0);
    if (s.was_running) {
      // No report: what it received before, and since its last resize.
      auto since = j.last_resize_time.value_or(j.submit_time);
      double seconds = std::max(0.0, std::chrono::duration<double>(now_ - since).count());
      s.attained +=
          seconds * static_cast<double>(s.current) * static_cast<double>(std::max<int64_t>(s.req[0], 1));
    }
  }
  while (static_cast<std::size_t>(s.service_class) < cfg_.service_classes.size()
         && s.attained >= cfg_.service_classes[static_cast<std::size_t>(s.service_class)])
    ++s.service_class;
  if (cfg_.use_throughput && !j.throughput.empty()) {
    s.scaling = fit_scaling(j.throughput, now_, cfg_.throughput_max_age);
    bool one_node = false, several = false;
    for (const auto& r : j.throughput) {
      if (now_ - r.measured_at > cfg_.throughput_max_age)
        continue;
      one_node = one_node || (r.nodes == 1 && r.workers > 1);
      several = several || r.nodes > 1;
    }
    s.node_evidence = one_node && several;
  }
  s.useful_max = s.max();
  if (s.scaling) {
    // Past the last size whose added workers each bring at least
    // min_marginal_speedup of one worker's throughput, growing is waste.
    std::size_t useful = s.min();
    double one = speed(s, 1);
    std::size_t scan = std::min<std::size_t>(s.max(), 4096);
    for (std::size_t n = s.min() + 1; n <= scan; ++n)
      if (speed(s, n) - speed(s, useful) >= cfg_.min_marginal_speedup * one * static_cast<double>(n - useful))
        useful = n;
    s.useful_max = scan < s.max() && useful == scan ? s.max() : useful;
  }
}

milliseconds plan_builder::hold(const job_info& j) const {
  // The resize budget: the hold grows with the job's age, so a job is
  // resized O(log(age)) times at most, whatever the arrivals around it.
  auto age = std::chrono::duration_cast<milliseconds>(now_ - j.submit_time);
  auto budget = milliseconds{static_cast<int64_t>(static_cast<double>(std::max<int64_t>(age.count(), 0))
                                                  * std::max(cfg_.rescale_age_fraction, 0.0))};
  return std::max(cfg_.rescale_interval, std::min(budget, cfg_.max_rescale_hold));
}

void plan_builder::order_victims() {
  // Whole jobs: within the lowest priority, the one (re)started last loses
  // the least work for each GPU it gives up (its workers resume from their
  // last checkpoint at best); ties keep the reverse queue order. Run for
  // every growth order: preemption is the same rule under all of them.
  preempt_order_ = victims_;
  std::stable_sort(preempt_order_.begin(), preempt_order_.end(), [this](int a, int b) {
    const job_slot& x = slots_[a];
    const job_slot& y = slots_[b];
    if (x.priority() != y.priority())
      return x.priority() < y.priority();
    return x.started > y.started;
  });
  if (cfg_.growth != growth_order::least_attained)
    return;
  // Within a priority the most served lend first: the last service class,
  // then the most attained service, then the latest queued (victims_ is in
  // reverse queue order already, so a stable sort keeps that last).
  std::stable_sort(victims_.begin(), victims_.end(), [this](int a, int b) {
    const job_slot& x = slots_[a];
    const job_slot& y = slots_[b];
    if (x.priority() != y.priority())
      return x.priority() < y.priority();
    if (x.locked != y.locked)
      return !x.locked;
    if (x.service_class != y.service_class)
      return x.service_class > y.service_class;
    // The largest lends first: one worker fewer slows it the least.
    if (x.planned.size() != y.planned.size())
      return x.planned.size() > y.planned.size();
    return x.attained > y.attained;
  });
}

} // namespace lattice::scheduling::detail
