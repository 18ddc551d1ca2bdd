#include "sim/report.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lattice::sim {

namespace json = boost::json;

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  double rank = p / 100.0 * static_cast<double>(v.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(rank));
  auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

summary summarize(const run_result& r) {
  summary s;
  s.policy = r.policy;
  s.jobs = static_cast<int>(r.jobs.size());
  std::vector<double> jct, wait;
  double spread = 0, running = 0;
  for (const auto& j : r.jobs) {
    if (j.completion) {
      ++s.completed;
      jct.push_back(*j.completion - j.submit);
    }
    if (j.start)
      wait.push_back(*j.start - j.submit);
    s.restarts += j.restarts;
    spread += j.spread_seconds;
    running += j.running_seconds;
  }
  for (double x : jct)
    s.avg_jct += x / static_cast<double>(jct.size());
  s.p50_jct = percentile(jct, 50);
  s.p99_jct = percentile(jct, 99);
  for (double x : wait)
    s.avg_wait += x / static_cast<double>(wait.size());
  s.p99_wait = percentile(wait, 99);
  s.makespan = r.makespan;
  if (r.makespan > 0 && r.total_gpus > 0)
    s.utilisation = r.allocated_gpu_seconds / (static_cast<double>(r.total_gpus) * r.makespan);
  s.spread = running > 0 ? spread / running : 0;
  s.policy_ms_per_plan = r.intervals > 0 ? 1000.0 * r.policy_seconds / r.intervals : 0;
  s.violations = static_cast<int>(r.violations.size());
  return s;
}

std::string to_json(const run_result& r, const summary& s) {
  json::object o;
  o["policy"] = s.policy;
  o["finished"] = r.finished;
  o["summary"] = json::object{{"jobs", s.jobs},
                              {"completed", s.completed},
                              {"avgJct", s.avg_jct},
                              {"p50Jct", s.p50_jct},
                              {"p99Jct", s.p99_jct},
                              {"makespan", s.makespan},
                              {"restarts", s.restarts},
                              {"utilisation", s.utilisation},
                              {"spread", s.spread},
                              {"avgWait", s.avg_wait},
                              {"p99Wait", s.p99_wait},
                              {"policyMsPerPlan", s.policy_ms_per_plan},
                              {"violations", s.violations}};
  json::array jobs;
  for (const auto& j : r.jobs) {
    json::object jo{{"name", j.name},
                    {"priority", j.priority},
                    {"submit", j.submit},
                    {"restarts", j.restarts},
                    {"grew", j.grew},
                    {"shrunk", j.shrunk},
                    {"moved", j.moved},
                    {"preempted", j.preempted},
                    {"gpuSeconds", j.gpu_seconds},
                    {"waiting", j.waiting},
                    {"maxWorkers", j.max_workers},
                    {"spreadSeconds", j.spread_seconds},
                    {"runningSeconds", j.running_seconds}};
    if (j.start)
      jo["start"] = *j.start;
    if (j.completion) {
      jo["completion"] = *j.completion;
      jo["jct"] = *j.completion - j.submit;
    }
    jobs.push_back(std::move(jo));
  }
  o["jobs"] = std::move(jobs);
  json::array violations;
  for (const auto& v : r.violations)
    violations.push_back(json::object{{"time", v.time}, {"what", v.what}});
  o["violations"] = std::move(violations);
  if (!r.events.empty()) {
    json::array ev;
    for (const auto& e : r.events)
      ev.push_back(json::array{e.time, r.jobs[e.job].name, e.from, e.to, e.nodes});
    o["events"] =
        json::object{{"columns", json::array{"time", "job", "from", "to", "nodes"}}, {"rows", std::move(ev)}};
  }
  if (!r.timeline.empty()) {
    json::array tl;
    for (const auto& t : r.timeline)
      tl.push_back(json::array{t.time, t.gpus_used, t.running, t.waiting});
    o["timeline"] = json::object{{"columns", json::array{"time", "gpusUsed", "running", "waiting"}},
                                 {"rows", std::move(tl)}};
  }
  return json::serialize(o);
}

std::string to_table(const std::vector<summary>& rows) {
  std::string out = "| policy | avg JCT | p50 JCT | p99 JCT | makespan | restarts | utilisation | spread | "
                    "avg wait | done |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  char buf[512];
  for (const auto& s : rows) {
    std::snprintf(buf, sizeof buf,
                  "| %s | %.0f s | %.0f s | %.0f s | %.0f s | %d | %.1f%% | %.1f%% | %.0f s | %d/%d |\n",
                  s.policy.c_str(), s.avg_jct, s.p50_jct, s.p99_jct, s.makespan, s.restarts,
                  100 * s.utilisation, 100 * s.spread, s.avg_wait, s.completed, s.jobs);
    out += buf;
  }
  return out;
}

} // namespace lattice::sim
