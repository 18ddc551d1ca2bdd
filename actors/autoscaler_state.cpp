#include "actors/autoscaler_state.hpp"

#include <boost/json.hpp>

namespace lattice::actors {

scheduling::snapshot autoscaler_state::make_snapshot() const {
  scheduling::snapshot snap;
  snap.jobs.reserve(jobs.size());
  for (const auto& [key, job] : jobs)
    snap.jobs.push_back(job.info);
  snap.nodes.reserve(nodes.size());
  for (const auto& [name, node] : nodes)
    snap.nodes.push_back(node);
  return snap;
}

std::optional<scheduling::time_point> next_wakeup(const autoscaler_state& st, scheduling::time_point now) {
  std::optional<scheduling::time_point> best;
  auto consider = [&](scheduling::time_point t) {
    if (t > now && (!best || t < *best))
      best = t;
  };
  for (const auto& [key, job] : st.jobs) {
    const auto& info = job.info;
    if (info.stage == scheduling::job_stage::waiting && info.cooldown_time)
      consider(*info.cooldown_time);
    if (info.stage == scheduling::job_stage::running && info.last_resize_time)
      consider(*info.last_resize_time + st.settings.planner.rescale_interval);
  }
  return best;
}

namespace {

const char* stage_name(scheduling::job_stage s) {
  return s == scheduling::job_stage::running ? "running" : "waiting";
}

boost::json::value last_plan_json(const autoscaler_state& st) {
  if (st.plans == 0)
    return nullptr;
  const auto& p = st.last_plan;
  boost::json::object out;
  out["time"] = scheduling::format_time(p.time);
  out["duration_us"] = static_cast<std::int64_t>(p.duration.count());
  boost::json::array queue;
  for (const auto& key : p.queue)
    queue.emplace_back(key);
  out["queue"] = std::move(queue);
  boost::json::object jobs;
  for (const auto& [key, line] : p.jobs)
    jobs[key] =
        boost::json::object{{"stage", stage_name(line.stage)}, {"size", line.size}, {"reason", line.reason}};
  out["jobs"] = std::move(jobs);
  boost::json::array warnings;
  for (const auto& w : p.warnings)
    warnings.emplace_back(w);
  out["warnings"] = std::move(warnings);
  return out;
}

} // namespace

std::string inspect_json(const autoscaler_state& st) {
  boost::json::object out;
  out["actor"] = autoscaler_state::name;
  out["leader"] = st.leader;
  out["plan_pending"] = st.window.pending();
  out["jobs_known"] = st.jobs.size();
  out["nodes_known"] = st.nodes.size();
  out["plans"] = st.plans;
  out["decisions_sent"] = st.decisions_sent;
  out["last_plan"] = last_plan_json(st);
  return boost::json::serialize(out);
}

} // namespace lattice::actors
