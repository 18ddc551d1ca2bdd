#include "lifecycle/job_inspect.hpp"

#include <boost/json.hpp>

namespace lattice::lifecycle {

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

std::string inspect_json(const job_model& st, bool leading, std::size_t mailbox_size) {
  boost::json::object o;
  o["kind"] = "job";
  o["name"] = st.key();
  o["mailbox"] = mailbox_size;
  o["leader"] = leading;
  if (st.object) {
    const auto& spec = st.object->spec;
    boost::json::object s;
    s["minSize"] = spec.min_size;
    s["maxSize"] = spec.max_size;
    s["priority"] = spec.priority;
    s["injectLattice"] = spec.inject_lattice;
    s["framework"] = spec.framework;
    s["suspend"] = spec.run.suspend;
    s["generation"] = st.object->meta.generation;
    s["uid"] = st.object->meta.uid;
    o["spec"] = std::move(s);
    o["observedStatus"] = status_json(st.object->status);
  }
  o["intendedStatus"] = status_json(to_api(st.status));
  o["invalid"] = st.invalid_message;
  o["plannerReason"] = st.planner_reason;
  o["scheduleFailures"] = st.persisted.schedule_failures;
  o["workerFailures"] = st.persisted.worker_failures;
  boost::json::array throughput;
  for (const auto& t : st.throughput)
    throughput.push_back(boost::json::object{{"workers", t.workers},
                                             {"nodes", t.nodes},
                                             {"samplesPerSecond", t.samples_per_second},
                                             {"measuredAt", base::format_rfc3339(t.measured_at)}});
  o["throughput"] = std::move(throughput);
  o["throughputNote"] = st.throughput_note;
  boost::json::array target;
  if (st.target)
    for (const auto& w : *st.target)
      target.push_back(boost::json::object{{"index", w.index}, {"node", w.node}});
  o["target"] = std::move(target);
  boost::json::array pods;
  for (const auto& [name, pod] : st.pods)
    pods.push_back(boost::json::object{{"name", name},
                                       {"phase", phase_name(pod.phase)},
                                       {"node", pod.node},
                                       {"terminating", pod.terminating}});
  o["pods"] = std::move(pods);
  o["creating"] = names_json(st.creating.names());
  o["deleting"] = names_json(st.deleting.names());
  boost::json::object lost;
  for (const auto& [node, loss] : st.lost_nodes)
    lost[node] = std::string(to_text(loss));
  o["lostNodes"] = std::move(lost);
  boost::json::object timers;
  timers["requeue"] = st.status.requeue_time ? base::format_rfc3339(*st.status.requeue_time) : std::string();
  timers["resyncArmed"] = st.timers.resync_armed;
  if (st.object && st.object->spec.run.active_deadline_seconds)
    timers["activeDeadlineSeconds"] = *st.object->spec.run.active_deadline_seconds;
  if (st.object && st.object->spec.run.ttl_seconds_after_finished)
    timers["ttlSecondsAfterFinished"] = *st.object->spec.run.ttl_seconds_after_finished;
  o["timers"] = std::move(timers);
  boost::json::array recent;
  for (const auto& line : st.recent)
    recent.emplace_back(line);
  o["recent"] = std::move(recent);
  o["writes"] = st.writes;
  o["writeFailures"] = st.write_failures;
  return boost::json::serialize(o);
}

std::string summary_json(const job_model& st, std::size_t mailbox_size) {
  boost::json::object o;
  o["kind"] = "job";
  o["name"] = st.key();
  o["mailbox"] = mailbox_size;
  o["stage"] = std::string(to_api(st.status.stage));
  o["currentSize"] = st.status.current_size;
  o["pods"] = st.pods.size();
  return boost::json::serialize(o);
}

} // namespace lattice::lifecycle
