#include "k8s/codec/encode_common.hpp"
#include "k8s/codec/encoders.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace lattice::k8s {

namespace {

using codec::json_writer;

/// A rate as a JSON number, four significant digits (more is noise);
/// anything not finite (never kept) as 0.
std::string rate_text(double rate) {
  if (!std::isfinite(rate))
    return "0";
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", rate);
  return text;
}

/// Writes a time/string member: the value, null (merge patch clearing it) or nothing.
void write_optional(json_writer& w, std::string_view name, const std::string& value, bool nulls_for_empty) {
  if (!value.empty())
    w.field(name, value);
  else if (nulls_for_empty)
    w.key(name).null();
}

void write_condition(json_writer& w, const condition& c) {
  w.begin_object();
  w.field("type", c.type);
  w.field("status", codec::condition_status_name(c.status));
  w.optional_field("reason", c.reason);
  w.optional_field("message", c.message);
  w.optional_field("lastUpdateTime", c.last_update_time);
  w.optional_field("lastTransitionTime", c.last_transition_time);
  if (c.observed_generation != 0)
    w.field("observedGeneration", c.observed_generation);
  w.end_object();
}

/// A reason as metav1.Condition allows it: `^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`.
bool is_condition_reason(std::string_view reason) {
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (reason.empty()
      || !((reason.front() >= 'a' && reason.front() <= 'z')
           || (reason.front() >= 'A' && reason.front() <= 'Z')))
    return false;
  if (!alnum(reason.back()) && reason.back() != '_')
    return false;
  return std::all_of(reason.begin(), reason.end(),
                     [&](char c) { return alnum(c) || c == '_' || c == ',' || c == ':'; });
}

/// status.conditions: the job-level conditions of execStatus in the shape of
/// Kubernetes' metav1.Condition, which `kubectl wait --for=condition=...`
/// and health checks read. That shape requires reason, message and
/// lastTransitionTime, so a stored condition missing them (written by
/// someone else) gets a placeholder reason, its lastUpdateTime, or is left
/// out: one odd condition must not make the API server refuse the status.
///
/// A `Succeeded` condition is also written as `Completed`, the name of the
/// job's final stage, so `kubectl wait --for=condition=Completed` works as
/// users of the stage column expect; execStatus keeps only `Succeeded`.
void write_standard_condition(json_writer& w, const condition& c, std::string_view type) {
  const auto& since = c.last_transition_time.empty() ? c.last_update_time : c.last_transition_time;
  if (type.empty() || since.empty())
    return;
  w.begin_object();
  w.field("type", type);
  w.field("status", codec::condition_status_name(c.status));
  if (c.observed_generation != 0)
    w.field("observedGeneration", c.observed_generation);
  w.field("lastTransitionTime", since);
  w.field("reason", is_condition_reason(c.reason) ? std::string_view(c.reason) : "Unspecified");
  w.field("message", c.message);
  w.end_object();
}

void write_standard_conditions(json_writer& w, const std::vector<condition>& conditions) {
  w.key("conditions").begin_array();
  for (const auto& c : conditions)
    write_standard_condition(w, c, c.type);
  for (const auto& c : conditions)
    if (c.type == "Succeeded")
      write_standard_condition(w, c, "Completed");
  w.end_array();
}

void write_status(json_writer& w, const training_job_status& s, bool nulls) {
  w.begin_object();
  w.key("execStatus").begin_object();
  w.key("conditions").begin_array();
  for (const auto& c : s.exec.conditions)
    write_condition(w, c);
  w.end_array();
  w.key("replicaStatuses").begin_object();
  for (const auto& r : s.exec.replica_statuses) {
    w.key(r.replica_type).begin_object();
    w.field("active", r.active).field("succeeded", r.succeeded).field("failed", r.failed);
    w.end_object();
  }
  w.end_object();
  write_optional(w, "startTime", s.exec.start_time, nulls);
  write_optional(w, "completionTime", s.exec.completion_time, nulls);
  write_optional(w, "lastReconcileTime", s.exec.last_reconcile_time, nulls);
  w.end_object();
  w.field("currentSize", s.current_size);
  write_optional(w, "stage", s.stage, nulls);
  write_optional(w, "submitTime", s.submit_time, nulls);
  write_optional(w, "queuedTime", s.queued_time, nulls);
  write_optional(w, "lastExecTime", s.last_exec_time, nulls);
  write_optional(w, "completionTime", s.completion_time, nulls);
  write_optional(w, "requeueTime", s.requeue_time, nulls);
  write_optional(w, "cooldownTime", s.cooldown_time, nulls);
  write_standard_conditions(w, s.exec.conditions);
  write_optional(w, "reason", s.reason, nulls);
  write_optional(w, "message", s.message, nulls);
  if (s.gpus_held || s.gpus_wanted) {
    w.key("gpus").begin_object();
    if (s.gpus_held)
      w.field("held", *s.gpus_held);
    if (s.gpus_wanted)
      w.field("wanted", *s.gpus_wanted);
    w.end_object();
  } else if (nulls) {
    w.key("gpus").null();
  }
  if (s.queue_position)
    w.field("queuePosition", *s.queue_position);
  else if (nulls)
    w.key("queuePosition").null();
  if (s.throughput) {
    w.key("throughput").begin_object();
    w.key("samplesPerSecond").raw(rate_text(s.throughput->samples_per_second));
    w.field("workers", s.throughput->workers)
        .field("nodes", s.throughput->nodes)
        .field("measuredAt", s.throughput->measured_at);
    w.end_object();
  } else if (nulls) {
    w.key("throughput").null();
  }
  w.end_object();
}

} // namespace

std::string encode_training_job_status(const training_job_status& status, bool nulls_for_empty) {
  json_writer w;
  write_status(w, status, nulls_for_empty);
  return w.take();
}

std::string encode_training_job_status_update(const training_job& job, std::string_view api_version) {
  json_writer w;
  w.begin_object();
  w.field("apiVersion", api_version).field("kind", "TrainingJob");
  w.key("metadata").begin_object();
  w.field("name", job.meta.name);
  w.optional_field("namespace", job.meta.namespace_);
  w.optional_field("uid", job.meta.uid);
  w.optional_field("resourceVersion", job.meta.resource_version);
  w.end_object();
  w.key("status");
  write_status(w, job.status, false);
  w.end_object();
  return w.take();
}

std::string encode_training_job_status_patch(const training_job_status& status,
                                             std::string_view resource_version) {
  json_writer w;
  w.begin_object();
  if (!resource_version.empty())
    w.key("metadata").begin_object().field("resourceVersion", resource_version).end_object();
  w.key("status");
  write_status(w, status, true);
  w.end_object();
  return w.take();
}

} // namespace lattice::k8s
