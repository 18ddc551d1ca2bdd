#include "lifecycle/job_status.hpp"

#include "base/time.hpp"
#include "lifecycle/snapshot_conversion.hpp"

#include <algorithm>
#include <charconv>
#include <map>

namespace lattice::lifecycle {
namespace {

namespace ct = condition_type;

/// The conditions a condition turns False when it becomes True.
std::vector<std::string_view> excluded_by(std::string_view type) {
  if (type == ct::running)
    return {ct::queued, ct::restarting, ct::suspended};
  if (type == ct::restarting)
    return {ct::queued, ct::running, ct::suspended};
  if (type == ct::queued)
    return {ct::running, ct::restarting, ct::suspended};
  if (type == ct::suspended)
    return {ct::queued, ct::running, ct::restarting};
  if (type == ct::succeeded || type == ct::failed)
    return {ct::queued, ct::running, ct::restarting, ct::suspended};
  return {};
}

k8s::condition* find_mutable(k8s::exec_status& status, std::string_view type) {
  for (auto& c : status.conditions)
    if (c.type == type)
      return &c;
  return nullptr;
}

/// Writes one condition; true when anything changed.
bool write(k8s::exec_status& status, std::string_view type, k8s::condition_status value,
           const std::string& reason, const std::string& message, const std::string& now,
           std::int64_t generation) {
  k8s::condition* c = find_mutable(status, type);
  if (!c) {
    status.conditions.push_back({std::string(type), value, reason, message, now, now, generation});
    return true;
  }
  if (c->status == value && c->reason == reason && c->message == message
      && c->observed_generation == generation)
    return false;
  if (c->status != value)
    c->last_transition_time = now;
  c->status = value;
  c->reason = reason;
  c->message = message;
  c->last_update_time = now;
  c->observed_generation = generation;
  return true;
}

bool is_node_failure(const k8s::pod& pod) {
  return pod.reason == "Evicted" || pod.reason == "NodeLost" || pod.reason == "NodeShutdown"
         || pod.reason == "Shutdown";
}

std::optional<std::int32_t> replica_index(const k8s::pod& pod, const std::string& label) {
  const auto it = pod.meta.labels.find(label);
  if (it == pod.meta.labels.end())
    return std::nullopt;
  std::int32_t value = 0;
  const char* end = it->second.data() + it->second.size();
  const auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
  if (ec != std::errc() || ptr != end || it->second.empty() || value < 0)
    return std::nullopt;
  return value;
}

std::string seconds_text(std::int64_t s) {
  return std::to_string(s) + (s == 1 ? " second" : " seconds");
}

std::optional<job_outcome> check_deadline(const k8s::training_job& job, scheduling::time_point now) {
  const auto& deadline = job.spec.run.active_deadline_seconds;
  const auto start = base::parse_optional_time(job.status.exec.start_time);
  if (!deadline || !start || now < *start + std::chrono::seconds(*deadline))
    return std::nullopt;
  job_outcome out;
  out.kind = outcome_kind::failed;
  out.reason = "DeadlineExceeded";
  out.message = "ran longer than activeDeadlineSeconds (" + seconds_text(*deadline) + ") since it started at "
                + job.status.exec.start_time;
  return out;
}

std::int64_t annotation_count(const k8s::training_job& job, const std::string& key) {
  const auto it = job.meta.annotations.find(key);
  if (it == job.meta.annotations.end())
    return 0;
  std::int64_t value = 0;
  const char* end = it->second.data() + it->second.size();
  if (std::from_chars(it->second.data(), end, value).ptr != end || value < 0)
    return 0;
  return value;
}

std::optional<job_outcome> check_failures(const k8s::training_job& job, const std::vector<k8s::pod>& pods,
                                          const std::string& api_group) {
  // Failed workers the operator already deleted to retry them, persisted.
  std::int64_t failed_pods = annotation_count(job, worker_failures_annotation(api_group));
  std::int64_t restarts = 0;
  std::string first_failed;
  for (const auto& pod : pods) {
    for (const auto& cs : pod.container_statuses)
      restarts += cs.restart_count;
    if (pod.phase == k8s::pod_phase::failed && !is_node_failure(pod)) {
      ++failed_pods;
      if (first_failed.empty())
        first_failed = pod.meta.name;
    }
  }
  if (first_failed.empty() && failed_pods > 0)
    first_failed = "(an earlier, retried worker)";
  const auto& limit = job.spec.run.backoff_limit;
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

std::optional<job_outcome> check_completed(const k8s::training_job& job, const std::vector<k8s::pod>& pods,
                                           const std::string& index_label) {
  const std::int32_t size = job.status.current_size;
  if (size <= 0)
    return std::nullopt;
  std::vector<bool> done(static_cast<std::size_t>(size), false);
  for (const auto& pod : pods) {
    const auto index = replica_index(pod, index_label);
    if (index && *index < size && pod.phase == k8s::pod_phase::succeeded)
      done[static_cast<std::size_t>(*index)] = true;
  }
  if (!std::all_of(done.begin(), done.end(), [](bool b) { return b; }))
    return std::nullopt;
  job_outcome out;
  out.kind = outcome_kind::completed;
  out.reason = "AllWorkersSucceeded";
  out.message =
      size == 1 ? std::string("the worker succeeded") : "all " + std::to_string(size) + " workers succeeded";
  return out;
}

job_outcome check_pending(const k8s::training_job& job, const std::vector<k8s::pod>& pods,
                          scheduling::time_point now, const evaluation_config& config) {
  const k8s::pod* pending = nullptr;
  for (const auto& pod : pods)
    if (pod.phase == k8s::pod_phase::pending && pod.meta.deletion_timestamp.empty()) {
      pending = &pod;
      break;
    }
  const auto requeue_time = base::parse_optional_time(job.status.requeue_time);
  job_outcome out;
  if (!pending) {
    // Every worker got placed: the timeout is over; a later Pending pod
    // gets a fresh one.
    if (requeue_time)
      out.kind = outcome_kind::clear_requeue_time;
    return out;
  }
  if (!requeue_time) {
    out.kind = outcome_kind::set_requeue_time;
    out.requeue_time = scheduling::requeue_deadline(now, config.requeue);
    out.pending_pod = pending->meta.name;
    return out;
  }
  if (now < *requeue_time)
    return out;
  std::int32_t previous = 0;
  const auto it = job.meta.annotations.find(schedule_failures_annotation(config.api_group));
  if (it != job.meta.annotations.end()) {
    const char* end = it->second.data() + it->second.size();
    if (std::from_chars(it->second.data(), end, previous).ptr != end || previous < 0)
      previous = 0;
  }
  out.kind = outcome_kind::requeue;
  out.requeue = scheduling::on_schedule_failure(now, previous, config.requeue);
  out.pending_pod = pending->meta.name;
  out.pending_since = *requeue_time - config.requeue.requeue_timeout;
  return out;
}

} // namespace

const k8s::condition* find_condition(const k8s::exec_status& status, std::string_view type) {
  for (const auto& c : status.conditions)
    if (c.type == type)
      return &c;
  return nullptr;
}

bool condition_is_true(const k8s::exec_status& status, std::string_view type) {
  const auto* c = find_condition(status, type);
  return c && c->status == k8s::condition_status::true_;
}

bool is_finished(const k8s::exec_status& status) {
  return condition_is_true(status, ct::succeeded) || condition_is_true(status, ct::failed);
}

bool set_condition(k8s::exec_status& status, const condition_update& update, const std::string& now,
                   std::int64_t generation) {
  if (is_finished(status))
    return false;
  bool changed = write(status, update.type, update.status, update.reason, update.message, now, generation);
  if (update.status != k8s::condition_status::true_)
    return changed;
  for (auto other : excluded_by(update.type)) {
    const auto* c = find_condition(status, other);
    if (c && c->status != k8s::condition_status::false_)
      changed |=
          write(status, other, k8s::condition_status::false_, update.reason, update.message, now, generation);
  }
  return changed;
}

k8s::replica_status count_workers(const std::vector<k8s::pod>& worker_pods) {
  k8s::replica_status r;
  r.replica_type = std::string(worker_replica_type);
  for (const auto& pod : worker_pods) {
    if (pod.phase == k8s::pod_phase::succeeded)
      ++r.succeeded;
    else if (pod.phase == k8s::pod_phase::failed)
      ++r.failed;
    else if (pod.meta.deletion_timestamp.empty())
      ++r.active;
  }
  return r;
}

job_outcome evaluate(const k8s::training_job& job, const std::vector<k8s::pod>& worker_pods,
                     scheduling::time_point now, const evaluation_config& config) {
  if (job.status.stage != "Running" || is_finished(job.status.exec))
    return {};
  if (auto out = check_deadline(job, now))
    return *out;
  if (auto out = check_failures(job, worker_pods, config.api_group))
    return *out;
  if (auto out = check_completed(job, worker_pods, replica_index_label(config.api_group)))
    return *out;
  return check_pending(job, worker_pods, now, config);
}

bool all_workers_scheduled(const k8s::training_job& job, const std::vector<k8s::pod>& worker_pods,
                           const std::string& api_group) {
  const std::int32_t size = job.status.current_size;
  if (job.status.stage != "Running" || size <= 0)
    return false;
  const std::string label = replica_index_label(api_group);
  std::vector<bool> placed(static_cast<std::size_t>(size), false);
  for (const auto& pod : worker_pods) {
    if (!is_live(pod))
      continue;
    if (pod.phase == k8s::pod_phase::pending)
      return false;
    const auto index = replica_index(pod, label);
    if (index && *index < size)
      placed[static_cast<std::size_t>(*index)] = true;
  }
  return std::all_of(placed.begin(), placed.end(), [](bool b) { return b; });
}

std::vector<std::string> pods_to_delete_on_finish(std::string_view clean_pod_policy,
                                                  const std::vector<k8s::pod>& pods) {
  std::vector<std::string> names;
  const bool all = clean_pod_policy == "All";
  const bool running = clean_pod_policy == "Running";
  if (!all && !running)
    return names;
  for (const auto& pod : pods) {
    if (!pod.meta.deletion_timestamp.empty())
      continue;
    const bool still_running = pod.phase != k8s::pod_phase::succeeded && pod.phase != k8s::pod_phase::failed;
    if (all || still_running)
      names.push_back(pod.meta.name);
  }
  return names;
}

} // namespace lattice::lifecycle
