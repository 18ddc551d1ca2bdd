#include "lifecycle/job_rules.hpp"

#include "lifecycle/conditions.hpp"
#include "lifecycle/pod_names.hpp"

#include <algorithm>

namespace lattice::lifecycle {
namespace {

std::string seconds_text(std::int64_t s) {
  return std::to_string(s) + (s == 1 ? " second" : " seconds");
}

/// A Failed pod already counted in persisted.worker_failures.
bool counted(const job_model& job, const pod_record& pod) {
  return pod.phase == k8s::pod_phase::failed && job.counted_failures.count(pod.uid) > 0;
}

std::optional<job_outcome> check_deadline(const job_model& job, base::time_point now) {
  const auto& deadline = job.object->spec.run.active_deadline_seconds;
  const auto start = base::parse_optional_time(job.status.exec.start_time);
  if (!deadline || !start || now < add_seconds(*start, *deadline))
    return std::nullopt;
  job_outcome out;
  out.kind = outcome_kind::failed;
  out.reason = "DeadlineExceeded";
  out.message = "ran longer than activeDeadlineSeconds (" + seconds_text(*deadline) + ") since it started at "
                + job.status.exec.start_time;
  return out;
}

std::optional<job_outcome> check_failures(const job_model& job) {
  // Failed workers the operator already deleted to retry them.
  std::int64_t failed_pods = job.persisted.worker_failures;
  std::int64_t restarts = 0;
  std::string first_failed;
  for (const auto& [name, pod] : job.pods) {
    if (counted(job, pod))
      continue;
    restarts += pod.restarts;
    if (pod.phase == k8s::pod_phase::failed && !pod.node_failure()) {
      ++failed_pods;
      if (first_failed.empty())
        first_failed = name;
    }
  }
  if (first_failed.empty() && failed_pods > 0)
    first_failed = "(an earlier, retried worker)";
  const auto& limit = job.object->spec.run.backoff_limit;
  job_outcome out;
  out.kind = outcome_kind::failed;
  out.reason = "BackoffLimitExceeded";
  if (limit) {
    const std::int64_t failures = failed_pods + restarts;
    if (failures <= *limit)
      return std::nullopt;
    out.message = "workers failed " + std::to_string(failures) + " times (" + std::to_string(restarts)
                  + " container restarts, " + std::to_string(failed_pods)
                  + " failed pods), more than backoffLimit " + std::to_string(*limit);
    return out;
  }
  if (failed_pods == 0)
    return std::nullopt;
  out.reason = "WorkerFailed";
  out.message = "worker pod " + first_failed + " failed and runPolicy.backoffLimit is not set, so no retries";
  return out;
}

std::optional<job_outcome> check_completed(const job_model& job) {
  const std::int32_t size = job.status.current_size;
  if (size <= 0)
    return std::nullopt;
  std::vector<bool> done(static_cast<std::size_t>(size), false);
  for (const auto& [name, pod] : job.pods)
    if (pod.index && *pod.index < size && pod.phase == k8s::pod_phase::succeeded)
      done[static_cast<std::size_t>(*pod.index)] = true;
  if (!std::all_of(done.begin(), done.end(), [](bool b) { return b; }))
    return std::nullopt;
  job_outcome out;
  out.kind = outcome_kind::completed;
  out.reason = "AllWorkersSucceeded";
  out.message =
      size == 1 ? std::string("the worker succeeded") : "all " + std::to_string(size) + " workers succeeded";
  return out;
}

job_outcome check_pending(const job_model& job, base::time_point now,
                          const scheduling::requeue_config& config) {
  const pod_record* pending = nullptr;
  for (const auto& [name, pod] : job.pods)
    if (!counted(job, pod) && pod.phase == k8s::pod_phase::pending && !pod.terminating) {
      pending = &pod;
      break;
    }
  // A worker whose create keeps failing (transiently) is as stuck as one
  // kube-scheduler cannot place.
  const bool create_failing = !pending && job.pod_creates.failing_since.has_value();
  const auto& requeue_time = job.status.requeue_time;
  job_outcome out;
  if (!pending && !create_failing) {
    // Every worker got placed: the timeout is over; a later Pending pod
    // gets a fresh one.
    if (requeue_time)
      out.kind = outcome_kind::clear_requeue_time;
    return out;
  }
  if (!requeue_time) {
    out.kind = outcome_kind::set_requeue_time;
    out.requeue_time = scheduling::requeue_deadline(now, config);
    out.pending_pod = pending ? pending->name : job.pod_creates.failing_pod;
    return out;
  }
  if (now < *requeue_time)
    return out;
  out.kind = outcome_kind::requeue;
  out.requeue = scheduling::on_schedule_failure(now, job.persisted.schedule_failures, config);
  out.pending_pod = pending ? pending->name : job.pod_creates.failing_pod;
  out.pending_since = *requeue_time - config.requeue_timeout;
  return out;
}

} // namespace

base::time_point add_seconds(base::time_point start, std::int64_t seconds) {
  using std::chrono::duration_cast;
  const auto room = duration_cast<std::chrono::seconds>(base::time_point::max() - start).count();
  return start + std::chrono::seconds(std::clamp<std::int64_t>(seconds, 0, room));
}

k8s::replica_status count_workers(const job_model& job) {
  k8s::replica_status r;
  r.replica_type = std::string(worker_replica_type);
  for (const auto& [name, pod] : job.pods) {
    if (!pod.is_worker())
      continue;
    if (pod.phase == k8s::pod_phase::succeeded)
      ++r.succeeded;
    else if (pod.phase == k8s::pod_phase::failed)
      ++r.failed;
    else if (!pod.terminating)
      ++r.active;
  }
  r.failed = std::max<std::int32_t>(r.failed, static_cast<std::int32_t>(job.persisted.worker_failures));
  return r;
}

job_outcome evaluate(const job_model& job, base::time_point now, const scheduling::requeue_config& requeue) {
  if (job.status.stage != stage::running || is_finished(job.status.exec) || !job.object)
    return {};
  if (auto out = check_deadline(job, now))
    return *out;
  if (auto out = check_failures(job))
    return *out;
  if (auto out = check_completed(job))
    return *out;
  return check_pending(job, now, requeue);
}

bool all_workers_scheduled(const job_model& job) {
  const std::int32_t size = job.status.current_size;
  if (job.status.stage != stage::running || size <= 0)
    return false;
  std::vector<bool> placed(static_cast<std::size_t>(size), false);
  for (const auto& [name, pod] : job.pods) {
    if (!pod.live())
      continue;
    if (pod.phase == k8s::pod_phase::pending)
      return false;
    if (pod.index && *pod.index < size)
      placed[static_cast<std::size_t>(*pod.index)] = true;
  }
  return std::all_of(placed.begin(), placed.end(), [](bool b) { return b; });
}

std::string clean_pod_policy(const job_model& job) {
  const auto& policy = job.object->spec.run.clean_pod_policy;
  return policy.empty() ? std::string("Running") : policy;
}

std::vector<const pod_record*> pods_to_delete_on_finish(const job_model& job) {
  std::vector<const pod_record*> out;
  const auto policy = clean_pod_policy(job);
  const bool all = policy == "All";
  if (!all && policy != "Running")
    return out;
  for (const auto& [name, pod] : job.pods) {
    if (pod.terminating)
      continue;
    const bool still_running = pod.phase != k8s::pod_phase::succeeded && pod.phase != k8s::pod_phase::failed;
    if (all || still_running)
      out.push_back(&pod);
  }
  return out;
}

bool all_target_running(const job_model& job) {
  if (job.status.stage != stage::running || !job.target || job.target->empty())
    return false;
  for (const auto& w : *job.target) {
    const auto it = job.pods.find(worker_pod_name(job.name, w.index));
    if (it == job.pods.end() || it->second.phase != k8s::pod_phase::running || it->second.terminating
        || job.deleting.pending(it->first))
      return false;
  }
  return true;
}

bool all_target_created(const job_model& job) {
  if (!job.target)
    return false;
  for (const auto& w : *job.target) {
    const auto name = worker_pod_name(job.name, w.index);
    if (job.creating.is_answered(name))
      continue;
    const auto it = job.pods.find(name);
    if (it == job.pods.end() || !it->second.live() || job.deleting.pending(name))
      return false;
  }
  return true;
}

bool workers_restarting(const job_model& job) {
  return std::any_of(job.pods.begin(), job.pods.end(), [](const auto& entry) {
    const auto& pod = entry.second;
    return pod.is_worker() && (pod.phase == k8s::pod_phase::failed || pod.terminating);
  });
}

bool needs_resync(const job_model& job) {
  if (!job.creating.empty() || !job.deleting.empty() || job.status_write.dirty)
    return true;
  return std::any_of(job.pods.begin(), job.pods.end(),
                     [](const auto& entry) { return entry.second.terminating; });
}

} // namespace lattice::lifecycle
