#include "actors/job_state.hpp"

#include "lifecycle/snapshot_conversion.hpp"

#include <boost/json.hpp>

namespace lattice::actors {

k8s::training_job job_state::view() const {
  k8s::training_job job = observed ? *observed : k8s::training_job{};
  job.status = status;
  const auto& group = settings->api_group;
  job.meta.annotations[lifecycle::schedule_failures_annotation(group)] = std::to_string(schedule_failures);
  job.meta.annotations[lifecycle::worker_failures_annotation(group)] = std::to_string(worker_failures);
  if (last_resize_time.empty())
    job.meta.annotations.erase(lifecycle::last_resize_time_annotation(group));
  else
    job.meta.annotations[lifecycle::last_resize_time_annotation(group)] = last_resize_time;
  return job;
}

std::vector<k8s::pod> job_state::pod_list() const {
  std::vector<k8s::pod> out;
  out.reserve(pods.size());
  for (const auto& [name, pod] : pods)
    out.push_back(pod);
  return out;
}

void job_state::remember(std::string line) {
  if (recent.size() >= 10)
    recent.erase(recent.begin());
  recent.push_back(std::move(line));
}

namespace {

const char* phase_name(k8s::pod_phase p) {
  switch (p) {
  case k8s::pod_phase::pending:
    return "Pending";
  case k8s::pod_phase::running:
    return "Running";
  case k8s::pod_phase::succeeded:
    return "Succeeded";
  case k8s::pod_phase::failed:
    return "Failed";
  case k8s::pod_phase::unknown:
    break;
  }
  return "Unknown";
}

boost::json::object status_json(const k8s::training_job_status& s) {
  boost::json::object o;
  o["stage"] = s.stage;
  o["currentSize"] = s.current_size;
  o["submitTime"] = s.submit_time;
  o["queuedTime"] = s.queued_time;
  o["lastExecTime"] = s.last_exec_time;
  o["completionTime"] = s.completion_time;
  o["requeueTime"] = s.requeue_time;
  o["cooldownTime"] = s.cooldown_time;
  boost::json::array conditions;
  for (const auto& c : s.exec.conditions)
    if (c.status == k8s::condition_status::true_)
      conditions.emplace_back(c.type);
  o["trueConditions"] = std::move(conditions);
  return o;
}

boost::json::array names_json(const std::set<std::string>& names) {
  boost::json::array a;
  for (const auto& n : names)
    a.emplace_back(n);
  return a;
}

} // namespace

std::string inspect_json(const job_state& st, std::size_t mailbox_size) {
  boost::json::object o;
  o["kind"] = "job";
  o["name"] = st.key();
  o["mailbox"] = mailbox_size;
  o["leader"] = st.leader;
  if (st.observed) {
    const auto& spec = st.observed->spec;
    boost::json::object s;
    s["minSize"] = spec.min_size;
    s["maxSize"] = spec.max_size;
    s["priority"] = spec.priority;
    s["injectLattice"] = spec.inject_lattice;
    s["framework"] = spec.framework;
    s["suspend"] = spec.run.suspend;
    s["generation"] = st.observed->meta.generation;
    s["uid"] = st.observed->meta.uid;
    o["spec"] = std::move(s);
    o["observedStatus"] = status_json(st.observed->status);
  }
  o["intendedStatus"] = status_json(st.status);
  o["invalid"] = st.invalid_message;
  o["plannerReason"] = st.planner_reason;
  o["scheduleFailures"] = st.schedule_failures;
  o["workerFailures"] = st.worker_failures;
  boost::json::array target;
  if (st.target)
    for (const auto& w : *st.target)
      target.push_back(boost::json::object{{"index", w.index}, {"node", w.node}});
  o["target"] = std::move(target);
  boost::json::array pods;
  for (const auto& [name, pod] : st.pods)
    pods.push_back(boost::json::object{{"name", name},
                                       {"phase", phase_name(pod.phase)},
                                       {"node", pod.node_name},
                                       {"terminating", !pod.meta.deletion_timestamp.empty()}});
  o["pods"] = std::move(pods);
  o["creating"] = names_json(st.creating.names());
  o["deleting"] = names_json(st.deleting.names());
  boost::json::object timers;
  timers["requeue"] = st.status.requeue_time;
  timers["resyncArmed"] = st.resync_armed;
  if (st.observed && st.observed->spec.run.active_deadline_seconds)
    timers["activeDeadlineSeconds"] = *st.observed->spec.run.active_deadline_seconds;
  if (st.observed && st.observed->spec.run.ttl_seconds_after_finished)
    timers["ttlSecondsAfterFinished"] = *st.observed->spec.run.ttl_seconds_after_finished;
  o["timers"] = std::move(timers);
  boost::json::array recent;
  for (const auto& line : st.recent)
    recent.emplace_back(line);
  o["recent"] = std::move(recent);
  o["writes"] = st.writes;
  o["writeFailures"] = st.write_failures;
  return boost::json::serialize(o);
}

std::string summary_json(const job_state& st, std::size_t mailbox_size) {
  boost::json::object o;
  o["kind"] = "job";
  o["name"] = st.key();
  o["mailbox"] = mailbox_size;
  o["stage"] = st.status.stage;
  o["currentSize"] = st.status.current_size;
  o["pods"] = st.pods.size();
  return boost::json::serialize(o);
}

} // namespace lattice::actors
