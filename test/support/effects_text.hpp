#pragma once

// The effects of one step of a job as lines a reader can compare, and an
// assertion over the whole list that prints a line diff on failure
// (Kueue's cmp.Diff habit): a case states everything it expects at once.
//
//   EXPECT_EFFECTS(step_effects, {
//       "create_pod resnet-worker-0 node=node-a size=2 [start_pods]",
//       "patch_job_status resnet stage=Running size=2 Created=True Queued=False Running=True(Admitted)",
//       "report running size=2 workers=0@node-a",
//   });

#include "lifecycle/job_step.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace lattice::test {

namespace effects_detail {

namespace json = boost::json;

inline std::string str(const json::value* v) {
  if (v == nullptr || v->is_null())
    return "-";
  if (v->is_string())
    return std::string(v->as_string());
  return json::serialize(*v);
}

inline const json::value* at(const json::value& v, std::initializer_list<const char*> path) {
  const json::value* cur = &v;
  for (const char* key : path) {
    if (!cur->is_object())
      return nullptr;
    cur = cur->as_object().if_contains(key);
    if (cur == nullptr)
      return nullptr;
  }
  return cur;
}

inline const char* urgency(k8s::write_urgency u) {
  switch (u) {
  case k8s::write_urgency::start_pods:
    return "start_pods";
  case k8s::write_urgency::free_gpus:
    return "free_gpus";
  case k8s::write_urgency::bookkeeping:
    return "bookkeeping";
  }
  return "?";
}

inline std::string status_line(const json::value& body) {
  const auto* s = at(body, {"status"});
  if (s == nullptr)
    return "(no status)";
  std::string out = "stage=" + str(at(*s, {"stage"})) + " size=" + str(at(*s, {"currentSize"}));
  for (const char* field : {"requeueTime", "cooldownTime", "completionTime"})
    if (const auto* t = at(*s, {field}); t != nullptr && t->is_string() && !t->as_string().empty())
      out += std::string(" ") + field + "=" + str(t);
  if (const auto* conditions = at(*s, {"execStatus", "conditions"}); conditions && conditions->is_array())
    for (const auto& c : conditions->as_array()) {
      out += " " + str(at(c, {"type"})) + "=" + str(at(c, {"status"}));
      if (str(at(c, {"status"})) == "True")
        out += "(" + str(at(c, {"reason"})) + ")";
    }
  if (const auto* replicas = at(*s, {"execStatus", "replicaStatuses"}); replicas && replicas->is_object())
    for (const auto& [type, r] : replicas->as_object())
      out += " " + std::string(type) + "=" + str(at(r, {"active"})) + "/" + str(at(r, {"succeeded"})) + "/"
             + str(at(r, {"failed"}));
  return out;
}

inline std::string write_line(const k8s::write& w) {
  std::string line = std::string(k8s::to_string(w.verb)) + " " + w.name;
  json::value body;
  if (!w.body.empty())
    body = json::parse(w.body);
  switch (w.verb) {
  case k8s::write_verb::create_pod:
    line += " node=" + str(at(body, {"metadata", "annotations", "breezeml.ai/node"}));
    if (const auto* size = at(body, {"metadata", "annotations", "breezeml.ai/world-size"}))
      line += " size=" + str(size);
    break;
  case k8s::write_verb::delete_pod:
    line += " uid=" + w.uid;
    if (w.grace_period_seconds >= 0)
      line += " grace=" + std::to_string(w.grace_period_seconds);
    if (!w.node.empty())
      line += " node=" + w.node;
    break;
  case k8s::write_verb::patch_job_status:
    line += " " + status_line(body);
    break;
  case k8s::write_verb::patch_job:
    if (const auto* a = at(body, {"metadata", "annotations"}); a && a->is_object())
      for (const auto& [key, value] : a->as_object())
        line += " " + std::string(key).substr(std::string(key).find('/') + 1) + "=" + str(&value);
    break;
  case k8s::write_verb::create_event:
    line = "create_event " + str(at(body, {"type"})) + " " + str(at(body, {"reason"})) + ": "
           + str(at(body, {"message"}));
    break;
  case k8s::write_verb::delete_job:
    line += " uid=" + w.uid;
    break;
  case k8s::write_verb::create_service:
    break;
  }
  line += std::string(" [") + urgency(w.urgency) + (w.order_key.empty() ? "" : " ordered") + "]";
  return line;
}

inline const char* timer_name(lifecycle::timer_kind k) {
  switch (k) {
  case lifecycle::timer_kind::requeue:
    return "requeue";
  case lifecycle::timer_kind::deadline:
    return "deadline";
  case lifecycle::timer_kind::ttl:
    return "ttl";
  case lifecycle::timer_kind::resync:
    return "resync";
  case lifecycle::timer_kind::status_flush:
    return "status_flush";
  }
  return "?";
}

inline const char* metric_name(lifecycle::metric_kind k) {
  switch (k) {
  case lifecycle::metric_kind::admission:
    return "admission";
  case lifecycle::metric_kind::resize:
    return "resize";
  case lifecycle::metric_kind::preemption:
    return "preemption";
  case lifecycle::metric_kind::requeue:
    return "requeue";
  case lifecycle::metric_kind::job_failure:
    return "job_failure";
  case lifecycle::metric_kind::apply_to_running:
    return "apply_to_running";
  case lifecycle::metric_kind::apply_to_created:
    return "apply_to_created";
  case lifecycle::metric_kind::admission_wait:
    return "admission_wait";
  }
  return "?";
}

/// Lines of `a` and `b` with "  " (both), "- " (expected only), "+ " (actual only).
inline std::string line_diff(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const auto n = a.size();
  const auto m = b.size();
  std::vector<std::vector<std::size_t>> lcs(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::ostringstream out;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out << "    " << a[i++] << "\n";
      ++j;
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out << "  + " << b[j++] << "\n";
    } else {
      out << "  - " << a[i++] << "\n";
    }
  }
  return out.str();
}

} // namespace effects_detail

/// One line per effect, in this order: writes, timers, the report, metrics, logs.
inline std::vector<std::string> describe(const lifecycle::effects& e) {
  using namespace effects_detail;
  std::vector<std::string> lines;
  for (const auto& w : e.writes)
    lines.push_back(write_line(w));
  for (const auto& t : e.timers)
    lines.push_back(std::string("timer ") + timer_name(t.kind) + "#" + std::to_string(t.generation) + " in "
                    + std::to_string(t.delay.count()) + "ms");
  if (e.report) {
    if (!e.report->info) {
      lines.emplace_back("report gone");
    } else {
      const auto& info = *e.report->info;
      std::string line =
          std::string("report ") + (info.stage == scheduling::job_stage::running ? "running" : "waiting");
      if (!info.workers.empty()) {
        line += " workers=";
        for (std::size_t k = 0; k < info.workers.size(); ++k)
          line += (k ? "," : "") + std::to_string(info.workers[k].index) + "@" + info.workers[k].node;
      }
      lines.push_back(line);
    }
  }
  for (const auto& s : e.metrics) {
    std::string line = std::string("metric ") + metric_name(s.kind);
    if (!s.label.empty())
      line += " " + s.label;
    if (s.kind == lifecycle::metric_kind::apply_to_running
        || s.kind == lifecycle::metric_kind::apply_to_created
        || s.kind == lifecycle::metric_kind::admission_wait) {
      char value[32];
      std::snprintf(value, sizeof value, " %.3fs", s.value);
      line += value;
    }
    lines.push_back(line);
  }
  for (const auto& l : e.logs)
    lines.push_back(std::string("log ") + (l.level == lifecycle::log_level::warn ? "warn" : "info") + ": "
                    + l.text);
  return lines;
}

/// Passes when `actual` describes as exactly `expected`; the failure shows a
/// line diff (- expected, + actual).
inline ::testing::AssertionResult effects_are(const lifecycle::effects& actual,
                                              const std::vector<std::string>& expected) {
  const auto lines = describe(actual);
  if (lines == expected)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "effects differ (- expected, + actual):\n"
                                       << effects_detail::line_diff(expected, lines);
}

} // namespace lattice::test

#define EXPECT_EFFECTS(actual, ...) EXPECT_TRUE(::lattice::test::effects_are((actual), __VA_ARGS__))
