#include "lifecycle/job_pass.hpp"

#include "lifecycle/conditions.hpp"
#include "lifecycle/job_rules.hpp"
#include "lifecycle/job_writes.hpp"
#include "lifecycle/pod_create_failures.hpp"
#include "lifecycle/pod_names.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "lifecycle/status_fields.hpp"
#include "lifecycle/status_write.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace lattice::lifecycle::detail {
namespace {

using std::chrono::milliseconds;

void send(pass& p, k8s::write w) {
  ++p.job.writes;
  p.out.writes.push_back(std::move(w));
}

void arm(pass& p, timer_kind kind, std::uint64_t generation, milliseconds delay) {
  p.out.timers.push_back({kind, generation, std::max(delay, milliseconds(0))});
}

/// Arms the flush timer to fire within `delay`; an armed one due earlier stays.
void arm_status_flush(pass& p, milliseconds delay) {
  auto& w = p.job.status_write;
  const auto due = p.now.steady + delay;
  if (w.flush_due && *w.flush_due <= due)
    return;
  w.flush_due = due;
  arm(p, timer_kind::status_flush, ++p.job.timers.status_flush, delay);
}

/// Nothing written yet by this replica, the job waiting and no decision
/// about it heard: its first write waits for the first plan (first_status_hold).
bool holds_first_write(const pass& p) {
  const auto& job = p.job;
  return p.config.first_status_hold > milliseconds(0) && job.status_write.written.decisive == 0 && !job.target
         && job.status.stage == stage::waiting;
}

/// A job admitted within status_flush_delay whose workers do not all run
/// yet: its status (stage Running, the Admitted condition) waits for them,
/// or for the hold's end, so the admission and the workers running go out
/// in one write instead of two a second apart. The flush timer is moved to
/// the hold's end (an earlier one, the first write's hold, would write the
/// admission alone). False, and the hold dropped, once it has nothing left
/// to wait for.
bool holds_admission_write(pass& p) {
  auto& job = p.job;
  auto& w = job.status_write;
  if (!w.admission_hold_until)
    return false;
  if (p.now.steady >= *w.admission_hold_until || job.status.stage != stage::running
      || all_target_running(job)) {
    w.admission_hold_until.reset();
    return false;
  }
  if (w.flush_due != w.admission_hold_until) {
    w.flush_due = w.admission_hold_until;
    arm(p, timer_kind::status_flush, ++job.timers.status_flush,
        std::chrono::duration_cast<milliseconds>(*w.admission_hold_until - p.now.steady));
  }
  return true;
}

/// A throughput sample as the fingerprint sees it: the rate to three
/// significant digits and the time to a quarter of the maximum age (at
/// most 5 min), so a job's steady reports do not re-send it every poll, yet
/// the autoscaler's copy never ages out while fresher ones are kept.
void fingerprint_sample(std::ostream& out, const scheduling::throughput_sample& s,
                        std::chrono::milliseconds max_age) {
  const auto bucket = std::max(std::min(max_age / 4, milliseconds(std::chrono::minutes(5))), milliseconds(1));
  const auto at = std::chrono::duration_cast<milliseconds>(s.measured_at.time_since_epoch()) / bucket;
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.3g", s.samples_per_second);
  out << '|' << s.workers << 'x' << s.nodes << '=' << rate << '@' << at;
}

std::string fingerprint(const scheduling::job_info& info, std::int64_t generation,
                        std::chrono::milliseconds throughput_max_age) {
  std::ostringstream out;
  out << generation << '|' << static_cast<int>(info.stage) << '|' << info.priority << '|' << info.min_size
      << '|' << info.max_size << '|' << info.submit_time.time_since_epoch().count() << '|'
      << (info.queued_time ? info.queued_time->time_since_epoch().count() : -1) << '|'
      << (info.cooldown_time ? info.cooldown_time->time_since_epoch().count() : -1) << '|'
      << info.schedule_failures << '|'
      << (info.last_resize_time ? info.last_resize_time->time_since_epoch().count() : -1) << '|'
      << static_cast<std::int64_t>(info.banked_service);
  for (const auto& w : info.workers)
    out << '|' << w.index << '@' << w.node;
  for (const auto& s : info.throughput)
    fingerprint_sample(out, s, throughput_max_age);
  return out.str();
}

/// A transient create failure: the first answer of a round starts the next
/// backoff; the rest of the round's answers share it.
void create_failed(pass& p, const std::string& name) {
  auto& c = p.job.pod_creates;
  if (!c.retry_at || p.now.steady >= *c.retry_at) {
    ++c.failures;
    c.retry_at = p.now.steady + create_backoff(c.failures, p.job.key());
  }
  if (!c.failing_since) {
    c.failing_since = p.now.wall;
    c.failing_pod = name;
  }
  arm_resync_in(p, std::chrono::duration_cast<milliseconds>(*c.retry_at - p.now.steady));
}

/// A create went through: the backoff starts over unless another create of
/// the same round failed.
void create_succeeded(pass& p, const std::string& name) {
  auto& c = p.job.pod_creates;
  if (c.failing_pod == name) {
    c.failing_since.reset();
    c.failing_pod.clear();
  }
  if (!c.failing_since) {
    c.failures = 0;
    c.retry_at.reset();
  }
}

double seconds_between(base::steady_time since, base::steady_time now) {
  return std::chrono::duration<double>(now - since).count();
}

} // namespace

std::string pass::now_text() const {
  return base::format_rfc3339(now.wall);
}

void pass::log(log_level level, std::string text) {
  out.logs.push_back({level, std::move(text)});
}

void pass::count(metric_kind kind, std::string label, double value) {
  out.metrics.push_back({kind, std::move(label), value});
}

bool set_condition(pass& p, std::string_view type, bool value, std::string reason, std::string message) {
  condition_update u{type, value ? k8s::condition_status::true_ : k8s::condition_status::false_,
                     std::move(reason), std::move(message)};
  const auto generation = p.job.object ? p.job.object->meta.generation : 0;
  return lifecycle::set_condition(p.job.status.exec, u, p.now_text(), generation);
}

bool explain(pass& p) {
  auto& job = p.job;
  if (!job.object)
    return false;
  const auto& spec = job.object->spec;
  return explain_status(job.status,
                        {job.invalid_message, spec.run.suspend, spec.min_size, spec.max_size,
                         spec.template_info.requests.get(p.config.gpu_resource), job.planner_reason});
}

void write_status(pass& p) {
  auto& w = p.job.status_write;
  if (!p.leading || !p.job.object)
    return;
  explain(p);
  w.dirty = true;
  if (w.in_flight)
    return; // the answer to the write in flight sends the latest status
  switch (classify_status_change(w.written, sign_status(to_api(p.job.status)))) {
  case status_write_urgency::now:
    if (holds_first_write(p)) {
      arm_status_flush(p, p.config.first_status_hold);
      return;
    }
    if (holds_admission_write(p))
      return;
    flush_status(p);
    return;
  case status_write_urgency::soon:
    arm_status_flush(p, p.config.status_flush_delay);
    return;
  case status_write_urgency::later:
    arm_status_flush(p, p.config.status_message_delay);
    return;
  }
}

void status_flush_due(pass& p) {
  p.job.status_write.flush_due.reset();
  if (!holds_admission_write(p))
    flush_status(p);
}

void hold_admission_write(pass& p) {
  if (p.config.status_flush_delay > milliseconds(0))
    p.job.status_write.admission_hold_until = p.now.steady + p.config.status_flush_delay;
}

void flush_status(pass& p) {
  auto& job = p.job;
  auto& w = job.status_write;
  if (!p.leading || !job.object || !w.dirty || w.in_flight)
    return;
  const auto& version = job.object->meta.resource_version;
  if (!w.conflicted_version.empty() && version == w.conflicted_version)
    return; // it would conflict again: the job event with the newer version writes
  w.conflicted_version.clear();
  w.sent_version = version;
  job.status.exec.last_reconcile_time = p.now_text();
  w.dirty = false;
  w.in_flight = true;
  w.written = sign_status(to_api(job.status));
  ++job.timers.status_flush; // a pending flush timer has nothing left to do
  w.flush_due.reset();
  w.admission_hold_until.reset();
  send(p, status_write(job));
}

void write_annotations(pass& p) {
  if (p.leading && p.job.object)
    send(p, annotations_write(p.job, p.config));
}

void emit_event(pass& p, const event_text& text) {
  auto& job = p.job;
  if (!p.leading || !job.object)
    return;
  job.remember(p.now_text() + " " + text.type + " " + text.reason + ": " + text.message);
  p.log(log_level::info, "event " + text.reason + ": " + text.message);
  send(p, event_write(job, p.config, text, p.now.wall, ++job.event_serial));
}

void create_worker(pass& p, const scheduling::worker_placement& placement) {
  auto& job = p.job;
  if (!p.leading || !job.object)
    return;
  auto create = worker_create(job, p.config, placement);
  if (!create) {
    record_failure(p, "building worker pod " + worker_pod_name(job.name, placement.index),
                   {false, 0, create.err().message, false});
    return;
  }
  job.creating.expect(create->name);
  if (job.timing.create_started)
    job.timing.create_sent = true;
  send(p, std::move(create.value()));
}

void delete_pod(pass& p, const worker_delete& what) {
  auto& job = p.job;
  const auto it = job.pods.find(what.name);
  if (!p.leading || it == job.pods.end())
    return;
  p.log(log_level::info, "deleting pod " + what.name + (what.force ? " (forced)" : "") + ": " + what.why);
  job.deleting.expect(what.name);
  if (what.force)
    job.forced_deletes.insert(it->second.uid);
  send(p, pod_delete(job, it->second, what.force));
}

void ensure_job_objects(pass& p) {
  auto& job = p.job;
  if (!p.leading || !job.object)
    return;
  if (!job.workers_service_created) {
    job.workers_service_created = true;
    send(p, workers_service_create(job, p.config));
  }
  if (!job.object->spec.inject_lattice)
    return;
  if (!job.rendezvous_service_created) {
    job.rendezvous_service_created = true;
    send(p, rendezvous_service_create(job, p.config));
  }
  const auto rdzv = rendezvous_name(job.name);
  if (job.pods.count(rdzv) > 0 || job.creating.pending(rdzv) || creates_held(p))
    return;
  auto create = rendezvous_create(job, p.config);
  if (!create) {
    record_failure(p, "building the rendezvous pod", {false, 0, create.err().message, false});
    return;
  }
  job.creating.expect(rdzv);
  send(p, std::move(create.value()));
}

void delete_job(pass& p) {
  if (!p.leading || !p.job.object)
    return;
  p.log(log_level::info, "ttlSecondsAfterFinished elapsed, deleting the TrainingJob");
  send(p, job_delete(p.job));
}

void record_failure(pass& p, const std::string& what, const write_result& r) {
  if (r.cancelled)
    return; // shutting down: the next leader reconciles from the cluster, no news for the log
  ++p.job.write_failures;
  auto line = what + " failed (HTTP " + std::to_string(r.status) + "): " + r.message;
  p.job.remember(p.now_text() + " " + line);
  p.log(log_level::warn, std::move(line));
  arm_resync(p);
}

void arm_resync(pass& p) {
  arm_resync_in(p, p.config.resync_interval);
}

void arm_resync_in(pass& p, milliseconds delay) {
  auto& timers = p.job.timers;
  const auto due = p.now.steady + delay;
  if (timers.resync_armed && timers.resync_due && *timers.resync_due <= due)
    return;
  timers.resync_armed = true;
  timers.resync_due = due;
  arm(p, timer_kind::resync, ++timers.resync, delay);
}

bool creates_held(pass& p) {
  const auto& retry_at = p.job.pod_creates.retry_at;
  if (!retry_at || p.now.steady >= *retry_at)
    return false;
  arm_resync_in(p, std::chrono::duration_cast<milliseconds>(*retry_at - p.now.steady));
  return true;
}

void arm_at(pass& p, timer_kind kind, std::uint64_t generation, base::time_point when) {
  // A far deadline (decades) is armed for at most max_timer_delay: the
  // actor clock adds the delay to its own nanosecond time point, which a
  // delay of centuries would overflow. The timer then fires early, finds
  // nothing due and is armed again for the rest.
  const auto delay = std::chrono::duration_cast<milliseconds>(when - p.now.wall) + milliseconds(50);
  arm(p, kind, generation, std::min(delay, max_timer_delay));
}

void arm_deadline(pass& p) {
  auto& job = p.job;
  const auto& deadline = job.object->spec.run.active_deadline_seconds;
  const auto start = base::parse_optional_time(job.status.exec.start_time);
  if (!deadline || !start)
    return;
  const auto when = add_seconds(*start, *deadline);
  if (job.timers.deadline_due == when)
    return; // armed for that moment already
  job.timers.deadline_due = when;
  arm_at(p, timer_kind::deadline, ++job.timers.deadline, when);
}

void arm_requeue(pass& p) {
  auto& job = p.job;
  const auto& when = job.status.requeue_time;
  if (!when || (job.timers.requeue_due && *job.timers.requeue_due <= *when))
    return;
  job.timers.requeue_due = *when;
  arm_at(p, timer_kind::requeue, ++job.timers.requeue, *when);
}

void report(pass& p) {
  auto& job = p.job;
  if (!job.object)
    return;
  std::optional<scheduling::job_info> info;
  if (job.invalid_message.empty() && !job.finished())
    info = to_job_info(job);
  if (!info) {
    if (!job.sent_fingerprint.empty())
      p.out.report = autoscaler_report{};
    job.sent_fingerprint.clear();
    return;
  }
  // The intended placement is what the job holds: pods being created are
  // pinned to it, so the planner must not hand those GPUs to anyone else.
  if (info->stage == scheduling::job_stage::running && job.target && p.leading)
    info->workers = *job.target;
  auto fp = fingerprint(*info, job.object->meta.generation, p.config.throughput_max_age);
  if (fp == job.sent_fingerprint)
    return;
  job.sent_fingerprint = std::move(fp);
  p.out.report = autoscaler_report{std::move(info)};
}

void start_create_timer(pass& p) {
  p.job.timing.create_started = p.now.steady;
  p.job.timing.create_sent = false;
}

void check_created(pass& p) {
  auto& timing = p.job.timing;
  if (!timing.create_started || !all_target_created(p.job))
    return;
  const auto started = *timing.create_started;
  timing.create_started.reset();
  if (!timing.create_sent)
    return;
  const auto took = seconds_between(started, p.now.steady);
  p.count(metric_kind::apply_to_created, {}, took);
  std::ostringstream line;
  line.setf(std::ios::fixed);
  line.precision(3);
  line << "all " << p.job.target->size() << " worker pods created " << took << "s after the decision";
  p.log(log_level::info, line.str());
}

void note_queued(pass& p) {
  if (!p.job.timing.queued_at)
    p.job.timing.queued_at = p.now.steady;
}

void note_admitted(pass& p) {
  auto& queued_at = p.job.timing.queued_at;
  if (!queued_at)
    return;
  const auto waited = seconds_between(*queued_at, p.now.steady);
  queued_at.reset();
  p.count(metric_kind::admission_wait, {}, waited);
  std::ostringstream line;
  line.setf(std::ios::fixed);
  line.precision(3);
  line << "admitted after " << waited << "s in the queue";
  p.log(log_level::info, line.str());
}

bool answered(pass& p, k8s::write_verb verb, const std::string& name, const write_result& r) {
  auto& job = p.job;
  const bool ok = r.ok;
  switch (verb) {
  case k8s::write_verb::patch_job_status:
    job.status_write.in_flight = false;
    if (r.status == 409) {
      // The job changed after the version the write was based on (another
      // writer, or this replica's own write the watch has not shown yet):
      // decided afresh and written again on the newer version, at once if
      // the watch brought it already, else with the job event that does.
      job.status_write.dirty = true;
      job.status_write.written = {};
      job.status_write.conflicted_version = job.status_write.sent_version;
      p.log(log_level::info, "status write conflicted at resourceVersion " + job.status_write.sent_version
                                 + ": written again on the newer version");
      write_status(p);
    } else if (!ok && r.status != 404) {
      job.status_write.dirty = true;
      job.status_write.written = {}; // the retry goes out at once
      record_failure(p, "status update", r);
    } else if (job.status_write.dirty) {
      write_status(p);
    }
    return false;
  case k8s::write_verb::patch_job:
    if (!ok && r.status != 404)
      record_failure(p, "annotation update", r);
    return false;
  case k8s::write_verb::create_event:
    if (!ok)
      record_failure(p, "event", r);
    return false;
  case k8s::write_verb::create_pod:
    if (ok || r.status == 409) {
      job.creating.answered(name, p.now.steady);
      create_succeeded(p, name);
      check_created(p);
      return false; // the watch will show it
    }
    job.creating.satisfy(name);
    record_failure(
        p, name == rendezvous_name(job.name) ? "creating the rendezvous pod" : "creating pod " + name, r);
    if (r.cancelled || !p.leading)
      return false;
    if (classify_create_failure(r) == create_failure_kind::permanent)
      return true; // refused for good: the job's answer is the transition's
    create_failed(p, name);
    return false;
  case k8s::write_verb::delete_pod:
    if (ok || r.status == 404) {
      job.deleting.answered(name, p.now.steady);
      return false;
    }
    job.deleting.satisfy(name);
    if (const auto pod = job.pods.find(name); pod != job.pods.end())
      job.forced_deletes.erase(pod->second.uid); // a forced delete that failed may go again
    record_failure(p, "deleting pod " + name, r);
    return false;
  case k8s::write_verb::create_service: {
    if (ok || r.status == 409)
      return false;
    const bool workers = name == workers_service_name(job.name);
    (workers ? job.workers_service_created : job.rendezvous_service_created) = false;
    record_failure(p, workers ? "creating the workers Service" : "creating the rendezvous Service", r);
    return false;
  }
  case k8s::write_verb::delete_job:
    if (!ok && r.status != 404)
      record_failure(p, "deleting the TrainingJob", r);
    return false;
  }
  return false;
}

} // namespace lattice::lifecycle::detail
