#pragma once

#include "observability/metrics.hpp"

namespace lattice::observability::test {

/// Touches every accessor of `m` with realistic labels so each family has
/// at least one series (what promtool and the catalogue test inspect).
inline void exercise_every_metric(metrics& m) {
  m.job_stage("team-a", "Running").Set(3);
  m.job_stage("team-a", "Pending").Set(1);
  m.job_stage("team-b", "Completed").Set(2);
  m.queue_length().Set(1);
  m.queue_oldest_age().Set(42.5);
  m.gpus_allocatable("a100").Set(64);
  m.gpus_allocated("a100").Set(48);
  m.admissions().Increment();
  m.resizes("up").Increment();
  m.resizes("down").Increment(2);
  m.preemptions("priority").Increment();
  m.requeues("pods_pending_timeout").Increment();
  m.job_failures("backoff_limit_exceeded").Increment();
  m.plan_duration().Observe(0.0007);
  m.apply_to_running_latency().Observe(12);
  m.apply_to_created_latency().Observe(0.8);
  m.admission_wait().Observe(95);
  m.api_request("get", "pods", "200").Increment();
  m.api_request("patch", "trainingjobs", "409").Increment();
  m.api_request_duration("get", "pods").Observe(0.02);
  m.api_rate_limiter_wait("post", "pods").Observe(0.004);
  m.write_queue_length("start_pods").Set(12);
  m.write_queue_wait("bookkeeping").Observe(0.3);
  m.watch_restarts("pods").Increment();
  m.watch_relists("trainingjobs").Increment();
  m.decode_errors("TrainingJob").Increment();
  m.actors("job").Set(5);
  m.actor_mailbox_size("autoscaler").Set(0);
  m.leader().Set(1);
  m.http_connections_rejected("metrics").Increment();
  m.http_accept_pauses("probe").Increment(3);
}

} // namespace lattice::observability::test
