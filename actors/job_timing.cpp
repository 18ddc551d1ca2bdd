#include "actors/job_timing.hpp"

#include "lifecycle/pod_names.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "observability/json_log.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace lattice::actors::job_detail {

namespace {

double seconds_since(std::chrono::steady_clock::time_point since, std::chrono::steady_clock::time_point now) {
  return std::chrono::duration<double>(now - since).count();
}

} // namespace

void start_create_timer(job_state& st, std::chrono::steady_clock::time_point now) {
  st.create_timer = job_state::create_timing{now, false};
}

void note_create_sent(job_state& st) {
  if (st.create_timer)
    st.create_timer->sent = true;
}

bool all_target_created(const job_state& st) {
  if (!st.target)
    return false;
  for (const auto& w : *st.target) {
    const auto name = lifecycle::worker_pod_name(st.job_name, w.index);
    if (st.creating.is_answered(name))
      continue;
    const auto it = st.pods.find(name);
    if (it == st.pods.end() || !lifecycle::is_live(it->second) || st.deleting.pending(name))
      return false;
  }
  return true;
}

void check_created(job_self self) {
  auto& st = self->state;
  if (!st.create_timer || !all_target_created(st))
    return;
  const auto timer = *st.create_timer;
  st.create_timer.reset();
  if (!timer.sent)
    return;
  const auto took = seconds_since(timer.started, self->clock().now());
  if (st.settings->metrics)
    st.settings->metrics->apply_to_created_latency().Observe(took);
  auto scope = observability::log_object(st.namespace_, st.job_name);
  spdlog::info("all {} worker pods created {:.3f}s after the decision", st.target->size(), took);
}

void note_queued(job_state& st, std::chrono::steady_clock::time_point now) {
  if (!st.queued_at)
    st.queued_at = now;
}

void note_admitted(job_self self) {
  auto& st = self->state;
  if (!st.queued_at)
    return;
  const auto waited = seconds_since(*st.queued_at, self->clock().now());
  st.queued_at.reset();
  if (st.settings->metrics)
    st.settings->metrics->admission_wait().Observe(waited);
  auto scope = observability::log_object(st.namespace_, st.job_name);
  spdlog::info("admitted after {:.3f}s in the queue", waited);
}

} // namespace lattice::actors::job_detail
