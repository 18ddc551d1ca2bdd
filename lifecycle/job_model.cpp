#include "lifecycle/job_model.hpp"

#include "lifecycle/conditions.hpp"
#include "lifecycle/pod_names.hpp"

#include <charconv>

namespace lattice::lifecycle {
namespace {

/// A whole non-negative number; nullopt for anything else.
template <class T>
std::optional<T> parse_count(std::string_view text) {
  T value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 0)
    return std::nullopt;
  return value;
}

const std::string* find(const std::map<std::string, std::string>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

std::string text_of(const std::optional<base::time_point>& t) {
  return t ? base::format_rfc3339(*t) : std::string();
}

/// The status fields the model and the API type hold in the same form.
template <class From, class To>
void copy_same_fields(const From& from, To& to) {
  to.exec = from.exec;
  to.current_size = from.current_size;
  to.reason = from.reason;
  to.message = from.message;
  to.gpus_held = from.gpus_held;
  to.gpus_wanted = from.gpus_wanted;
  to.queue_position = from.queue_position;
  to.throughput = from.throughput;
}

} // namespace

bool pod_record::node_failure() const {
  return reason == "Evicted" || reason == "NodeLost" || reason == "NodeShutdown" || reason == "Shutdown"
         || disrupted || terminating;
}

bool operator==(const pod_record& a, const pod_record& b) {
  return a.name == b.name && a.uid == b.uid && a.owner_uid == b.owner_uid && a.phase == b.phase
         && a.reason == b.reason && a.index == b.index && a.node == b.node
         && a.built_for_size == b.built_for_size && a.terminating == b.terminating
         && a.deletion_deadline == b.deletion_deadline && a.ready == b.ready && a.restarts == b.restarts
         && a.disrupted == b.disrupted && a.pod_ip == b.pod_ip;
}

pod_record make_pod_record(const k8s::pod& pod, const std::string& api_group) {
  pod_record r;
  r.name = pod.meta.name;
  r.uid = pod.meta.uid;
  for (const auto& ref : pod.meta.owner_references)
    if (ref.controller)
      r.owner_uid = ref.uid;
  r.phase = pod.phase;
  r.reason = pod.reason;
  const auto group = api_group + "/";
  if (const auto* index = find(pod.meta.labels, group + "replica-index"))
    r.index = parse_count<std::int32_t>(*index);
  r.node = pod.node_name;
  r.pod_ip = pod.pod_ip;
  if (r.node.empty())
    if (const auto* pinned = find(pod.meta.annotations, pinned_node_annotation(api_group)))
      r.node = *pinned;
  if (const auto* size = find(pod.meta.annotations, world_size_annotation(api_group)))
    r.built_for_size = parse_count<std::int32_t>(*size);
  r.terminating = !pod.meta.deletion_timestamp.empty();
  r.deletion_deadline = base::parse_optional_time(pod.meta.deletion_timestamp);
  r.ready = pod.ready;
  for (const auto& c : pod.container_statuses)
    r.restarts += c.restart_count;
  r.disrupted = pod.disruption_target == k8s::condition_status::true_;
  return r;
}

k8s::training_job_status to_api(const job_status& status) {
  k8s::training_job_status out;
  copy_same_fields(status, out);
  out.stage = std::string(to_api(status.stage));
  out.submit_time = text_of(status.submit_time);
  out.queued_time = text_of(status.queued_time);
  out.last_exec_time = text_of(status.last_exec_time);
  out.completion_time = text_of(status.completion_time);
  out.requeue_time = text_of(status.requeue_time);
  out.cooldown_time = text_of(status.cooldown_time);
  return out;
}

job_status status_from_api(const k8s::training_job_status& status) {
  job_status out;
  copy_same_fields(status, out);
  out.stage = stage_from_api(status.stage);
  out.submit_time = base::parse_optional_time(status.submit_time);
  out.queued_time = base::parse_optional_time(status.queued_time);
  out.last_exec_time = base::parse_optional_time(status.last_exec_time);
  out.completion_time = base::parse_optional_time(status.completion_time);
  out.requeue_time = base::parse_optional_time(status.requeue_time);
  out.cooldown_time = base::parse_optional_time(status.cooldown_time);
  return out;
}

persisted_state persisted_from(const k8s::object_meta& job, const std::string& api_group) {
  persisted_state out;
  const auto group = api_group + "/";
  if (const auto* failures = find(job.annotations, group + "schedule-failures"))
    out.schedule_failures = parse_count<std::int32_t>(*failures).value_or(0);
  if (const auto* failures = find(job.annotations, group + "worker-failures"))
    out.worker_failures = parse_count<std::int64_t>(*failures).value_or(0);
  if (const auto* resized = find(job.annotations, group + "last-resize-time"))
    out.last_resize_time = base::parse_optional_time(*resized);
  if (const auto* attained = find(job.annotations, group + "attained-service"))
    out.attained_service = static_cast<double>(parse_count<std::int64_t>(*attained).value_or(0));
  return out;
}

job_model::job_model(std::string ns, std::string job_name, std::chrono::milliseconds timeout)
    : namespace_(std::move(ns)), name(std::move(job_name)), creating(timeout), deleting(timeout),
      expectation_timeout(timeout) {}

bool job_model::finished() const {
  return is_finished(status.exec) || is_terminal(status.stage);
}

void job_model::remember(std::string line) {
  if (recent.size() >= 10)
    recent.erase(recent.begin());
  recent.push_back(std::move(line));
}

void job_model::reset() {
  job_model fresh(namespace_, name, expectation_timeout);
  fresh.pods = std::move(pods);
  // Facts about the cluster and the kept pods, not about the incarnation.
  fresh.lost_nodes = std::move(lost_nodes);
  fresh.forced_deletes = std::move(forced_deletes);
  // Every timer the old incarnation armed is stale from now on.
  fresh.timers.requeue = timers.requeue + 1;
  fresh.timers.deadline = timers.deadline + 1;
  fresh.timers.ttl = timers.ttl + 1;
  fresh.timers.resync = timers.resync + 1;
  fresh.timers.status_flush = timers.status_flush + 1;
  fresh.recent = std::move(recent);
  fresh.writes = writes;
  fresh.write_failures = write_failures;
  fresh.event_serial = event_serial;
  *this = std::move(fresh);
}

} // namespace lattice::lifecycle
