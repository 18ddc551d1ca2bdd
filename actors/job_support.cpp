#include "actors/job_support.hpp"

#include "base/time.hpp"
#include "lifecycle/job_status.hpp"
#include "lifecycle/pod_names.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "lifecycle/status_fields.hpp"
#include "observability/json_log.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace lattice::actors::job_detail {

std::string now_text(job_self self) {
  return base::format_rfc3339(self->state.settings->wall_clock());
}

bool set_cond(job_self self, std::string_view type, bool value, std::string reason, std::string message) {
  auto& st = self->state;
  lifecycle::condition_update u{type, value ? k8s::condition_status::true_ : k8s::condition_status::false_,
                                std::move(reason), std::move(message)};
  const auto generation = st.observed ? st.observed->meta.generation : 0;
  return lifecycle::set_condition(st.status.exec, u, now_text(self), generation);
}

bool is_finished(const job_state& st) {
  return lifecycle::is_finished(st.status.exec) || st.status.stage == "Completed"
         || st.status.stage == "Failed";
}

bool is_worker(const job_state& st, const k8s::pod& pod) {
  return pod.meta.labels.count(lifecycle::replica_index_label(st.settings->api_group)) > 0;
}

void update_gauge(job_self self) {
  auto& st = self->state;
  if (!st.settings->metrics || !st.leader)
    return;
  const auto& stage = st.status.stage;
  if (stage == st.gauge_stage)
    return;
  if (!st.gauge_stage.empty())
    st.settings->metrics->job_stage(st.namespace_, st.gauge_stage).Decrement();
  if (!stage.empty())
    st.settings->metrics->job_stage(st.namespace_, stage).Increment();
  st.gauge_stage = stage;
}

void arm_at(job_self self, scheduling::time_point when, protocol::requeue_timer msg) {
  auto delay =
      std::chrono::duration_cast<std::chrono::milliseconds>(when - self->state.settings->wall_clock());
  self->delayed_send(self, std::max(delay, std::chrono::milliseconds(0)) + std::chrono::milliseconds(50),
                     msg);
}

void arm_deadline(job_self self) {
  auto& st = self->state;
  const auto& deadline = st.observed->spec.run.active_deadline_seconds;
  const auto start = base::parse_optional_time(st.status.exec.start_time);
  if (!deadline || !start)
    return;
  auto when = *start + std::chrono::seconds(*deadline);
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(when - st.settings->wall_clock());
  self->delayed_send(self, std::max(delay, std::chrono::milliseconds(0)) + std::chrono::milliseconds(50),
                     protocol::deadline_timer{++st.deadline_generation});
}

} // namespace lattice::actors::job_detail
