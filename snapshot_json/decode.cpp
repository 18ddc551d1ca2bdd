// Snapshot documents to planner input. Every error names the field by its
// path; the first one stops decoding.
#include "snapshot_json/config_fields.hpp"
#include "snapshot_json/json_time.hpp"
#include "snapshot_json/snapshot_json.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <initializer_list>
#include <limits>

namespace lattice::snapshot_json {

namespace json = boost::json;
using namespace scheduling;

namespace {

/// Thrown inside this file only, caught by decode_input.
struct bad_field {
  std::string message;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw bad_field{path + ": " + what};
}

const json::object& as_object(const json::value& v, const std::string& path) {
  if (!v.is_object())
    fail(path, "expected an object");
  return v.get_object();
}

const json::array& as_array(const json::value& v, const std::string& path) {
  if (!v.is_array())
    fail(path, "expected an array");
  return v.get_array();
}

void only_known(const json::object& o, const std::string& path,
                std::initializer_list<std::string_view> known) {
  for (const auto& kv : o) {
    bool ok = false;
    for (auto k : known)
      ok = ok || kv.key() == k;
    if (!ok)
      fail(path + "." + std::string(kv.key()), "unknown field");
  }
}

std::string as_string(const json::value& v, const std::string& path) {
  if (!v.is_string())
    fail(path, "expected a string");
  return std::string(v.get_string());
}

int64_t as_int(const json::value& v, const std::string& path,
               int64_t lo = std::numeric_limits<int64_t>::min(),
               int64_t hi = std::numeric_limits<int64_t>::max()) {
  int64_t out = 0;
  if (v.is_int64())
    out = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    out = static_cast<int64_t>(v.get_uint64());
  else if (v.is_double() && std::floor(v.get_double()) == v.get_double() && std::abs(v.get_double()) < 9e18)
    out = static_cast<int64_t>(v.get_double());
  else
    fail(path, "expected an integer");
  if (out < lo || out > hi)
    fail(path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return out;
}

double as_number(const json::value& v, const std::string& path) {
  return detail::read_number(v, path, fail);
}

bool as_bool(const json::value& v, const std::string& path) {
  if (!v.is_bool())
    fail(path, "expected true or false");
  return v.get_bool();
}

/// RFC 3339 string, or seconds since the Unix epoch (fractions to the millisecond).
time_point as_time(const json::value& v, const std::string& path) {
  if (v.is_string()) {
    auto t = detail::parse_rfc3339(v.get_string());
    if (!t)
      fail(path, "expected an RFC 3339 time such as 2026-11-28T10:00:00Z");
    return *t;
  }
  if (v.is_number()) {
    double secs = as_number(v, path);
    if (std::abs(secs) > 1e13)
      fail(path, "time out of range");
    return time_point{milliseconds{static_cast<int64_t>(std::llround(secs * 1'000))}};
  }
  fail(path, "expected an RFC 3339 string or seconds since the Unix epoch");
}

std::map<std::string, std::string> as_string_map(const json::value& v, const std::string& path) {
  std::map<std::string, std::string> out;
  for (const auto& kv : as_object(v, path))
    out[std::string(kv.key())] = as_string(kv.value(), path + "." + std::string(kv.key()));
  return out;
}

resource_list as_resources(const json::value& v, const std::string& path) {
  resource_list out;
  for (const auto& kv : as_object(v, path))
    out.set(kv.key(), as_int(kv.value(), path + "." + std::string(kv.key())));
  return out;
}

taint_effect as_effect(const json::value& v, const std::string& path) {
  auto s = as_string(v, path);
  if (s == "NoSchedule")
    return taint_effect::no_schedule;
  if (s == "PreferNoSchedule")
    return taint_effect::prefer_no_schedule;
  if (s == "NoExecute")
    return taint_effect::no_execute;
  fail(path, "expected NoSchedule, PreferNoSchedule or NoExecute");
}

selector_operator as_operator(const json::value& v, const std::string& path) {
  auto s = as_string(v, path);
  if (s == "In")
    return selector_operator::in;
  if (s == "NotIn")
    return selector_operator::not_in;
  if (s == "Exists")
    return selector_operator::exists;
  if (s == "DoesNotExist")
    return selector_operator::does_not_exist;
  if (s == "Gt")
    return selector_operator::gt;
  if (s == "Lt")
    return selector_operator::lt;
  fail(path, "expected In, NotIn, Exists, DoesNotExist, Gt or Lt");
}

node_info decode_node(const json::value& v, const std::string& path) {
  const auto& o = as_object(v, path);
  only_known(o, path, {"name", "labels", "taints", "allocatable", "usedByOthers", "schedulable", "ready"});
  node_info n;
  for (const auto& kv : o) {
    std::string p = path + "." + std::string(kv.key());
    const auto& val = kv.value();
    if (kv.key() == "name")
      n.name = as_string(val, p);
    else if (kv.key() == "labels")
      n.labels = as_string_map(val, p);
    else if (kv.key() == "allocatable")
      n.allocatable = as_resources(val, p);
    else if (kv.key() == "usedByOthers")
      n.used_by_others = as_resources(val, p);
    else if (kv.key() == "schedulable")
      n.schedulable = as_bool(val, p);
    else if (kv.key() == "ready")
      n.ready = as_bool(val, p);
    else if (kv.key() == "taints") {
      const auto& arr = as_array(val, p);
      for (std::size_t i = 0; i < arr.size(); ++i) {
        std::string tp = p + "[" + std::to_string(i) + "]";
        const auto& to = as_object(arr[i], tp);
        only_known(to, tp, {"key", "value", "effect"});
        taint t;
        if (auto* k = to.if_contains("key"))
          t.key = as_string(*k, tp + ".key");
        if (auto* x = to.if_contains("value"))
          t.value = as_string(*x, tp + ".value");
        if (auto* e = to.if_contains("effect"))
          t.effect = as_effect(*e, tp + ".effect");
        n.taints.push_back(std::move(t));
      }
    }
  }
  if (n.name.empty())
    fail(path + ".name", "required");
  return n;
}

placement_constraints decode_constraints(const json::object& o, const std::string& path) {
  placement_constraints c;
  if (auto* sel = o.if_contains("nodeSelector"))
    c.node_selector = as_string_map(*sel, path + ".nodeSelector");
  if (auto* aff = o.if_contains("requiredAffinity")) {
    const auto& terms = as_array(*aff, path + ".requiredAffinity");
    for (std::size_t i = 0; i < terms.size(); ++i) {
      std::string tp = path + ".requiredAffinity[" + std::to_string(i) + "]";
      const auto& to = as_object(terms[i], tp);
      only_known(to, tp, {"matchExpressions"});
      node_selector_term term;
      if (auto* exprs = to.if_contains("matchExpressions")) {
        const auto& arr = as_array(*exprs, tp + ".matchExpressions");
        for (std::size_t k = 0; k < arr.size(); ++k) {
          std::string ep = tp + ".matchExpressions[" + std::to_string(k) + "]";
          const auto& eo = as_object(arr[k], ep);
          only_known(eo, ep, {"key", "operator", "values"});
          node_selector_requirement r;
          if (auto* key = eo.if_contains("key"))
            r.key = as_string(*key, ep + ".key");
          if (auto* op = eo.if_contains("operator"))
            r.op = as_operator(*op, ep + ".operator");
          else
            fail(ep + ".operator", "required");
          if (auto* values = eo.if_contains("values")) {
            const auto& va = as_array(*values, ep + ".values");
            for (std::size_t m = 0; m < va.size(); ++m)
              r.values.push_back(as_string(va[m], ep + ".values[" + std::to_string(m) + "]"));
          }
          term.match_expressions.push_back(std::move(r));
        }
      }
      c.required_affinity.push_back(std::move(term));
    }
  }
  if (auto* tol = o.if_contains("tolerations")) {
    const auto& arr = as_array(*tol, path + ".tolerations");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      std::string tp = path + ".tolerations[" + std::to_string(i) + "]";
      const auto& to = as_object(arr[i], tp);
      only_known(to, tp, {"key", "operator", "value", "effect"});
      toleration t;
      if (auto* key = to.if_contains("key"))
        t.key = as_string(*key, tp + ".key");
      if (auto* op = to.if_contains("operator")) {
        auto s = as_string(*op, tp + ".operator");
        if (s == "Exists")
          t.op = toleration_operator::exists;
        else if (s != "Equal")
          fail(tp + ".operator", "expected Equal or Exists");
      }
      if (auto* value = to.if_contains("value"))
        t.value = as_string(*value, tp + ".value");
      if (auto* e = to.if_contains("effect"))
        t.effect = as_effect(*e, tp + ".effect");
      c.tolerations.push_back(std::move(t));
    }
  }
  return c;
}

throughput_sample decode_sample(const json::value& v, const std::string& path) {
  const auto& o = as_object(v, path);
  only_known(o, path, {"workers", "nodes", "samplesPerSecond", "measuredAt"});
  throughput_sample s;
  for (const char* required : {"workers", "samplesPerSecond", "measuredAt"})
    if (!o.contains(required))
      fail(path + "." + required, "required");
  s.workers = static_cast<int32_t>(as_int(o.at("workers"), path + ".workers", 1, 100'000));
  s.nodes =
      o.contains("nodes") ? static_cast<int32_t>(as_int(o.at("nodes"), path + ".nodes", 1, 100'000)) : 1;
  s.samples_per_second = as_number(o.at("samplesPerSecond"), path + ".samplesPerSecond");
  s.measured_at = as_time(o.at("measuredAt"), path + ".measuredAt");
  return s;
}

job_info decode_job(const json::value& v, const std::string& path) {
  const auto& o = as_object(v, path);
  only_known(o, path,
             {"namespace", "name", "priority", "minSize", "maxSize", "workerResources", "nodeSelector",
              "requiredAffinity", "tolerations", "stage", "submitTime", "queuedTime", "cooldownTime",
              "scheduleFailures", "lastResizeTime", "workers", "attainedService", "throughput", "movable"});
  job_info j;
  j.namespace_ = "default";
  const int64_t int32_lo = std::numeric_limits<int32_t>::min();
  const int64_t int32_hi = std::numeric_limits<int32_t>::max();
  for (const auto& kv : o) {
    std::string p = path + "." + std::string(kv.key());
    const auto& val = kv.value();
    auto key = kv.key();
    if (key == "namespace")
      j.namespace_ = as_string(val, p);
    else if (key == "name")
      j.name = as_string(val, p);
    else if (key == "priority")
      j.priority = static_cast<int32_t>(as_int(val, p, int32_lo, int32_hi));
    else if (key == "minSize")
      j.min_size = static_cast<int32_t>(as_int(val, p, int32_lo, int32_hi));
    else if (key == "maxSize")
      j.max_size = static_cast<int32_t>(as_int(val, p, int32_lo, int32_hi));
    else if (key == "workerResources")
      j.worker_resources = as_resources(val, p);
    else if (key == "stage") {
      auto s = as_string(val, p);
      if (s == "Running")
        j.stage = job_stage::running;
      else if (s != "Waiting")
        fail(p, "expected Waiting or Running (finished jobs are not part of a snapshot)");
    } else if (key == "submitTime")
      j.submit_time = as_time(val, p);
    else if (key == "queuedTime")
      j.queued_time = as_time(val, p);
    else if (key == "cooldownTime")
      j.cooldown_time = as_time(val, p);
    else if (key == "lastResizeTime")
      j.last_resize_time = as_time(val, p);
    else if (key == "scheduleFailures")
      j.schedule_failures = static_cast<int32_t>(as_int(val, p, 0, int32_hi));
    else if (key == "attainedService") {
      j.attained_service = as_number(val, p);
      if (*j.attained_service < 0)
        fail(p, "must not be negative");
    } else if (key == "workers") {
      const auto& arr = as_array(val, p);
      for (std::size_t i = 0; i < arr.size(); ++i) {
        std::string wp = p + "[" + std::to_string(i) + "]";
        const auto& wo = as_object(arr[i], wp);
        only_known(wo, wp, {"index", "node"});
        worker_placement w;
        w.index = wo.contains("index")
                      ? static_cast<int32_t>(as_int(wo.at("index"), wp + ".index", int32_lo, int32_hi))
                      : static_cast<int32_t>(i);
        if (!wo.contains("node"))
          fail(wp + ".node", "required");
        w.node = as_string(wo.at("node"), wp + ".node");
        j.workers.push_back(std::move(w));
      }
    } else if (key == "movable") {
      j.movable = as_bool(val, p);
    } else if (key == "throughput") {
      const auto& arr = as_array(val, p);
      for (std::size_t i = 0; i < arr.size(); ++i)
        j.throughput.push_back(decode_sample(arr[i], p + "[" + std::to_string(i) + "]"));
    }
  }
  j.constraints = decode_constraints(o, path);
  if (j.name.empty())
    fail(path + ".name", "required");
  if (!o.contains("submitTime"))
    fail(path + ".submitTime", "required (the FIFO key when queuedTime is absent)");
  return j;
}

planner_input decode(const json::value& root) {
  const auto& o = as_object(root, "$");
  only_known(o, "$", {"now", "config", "nodes", "jobs"});
  planner_input in;
  if (auto* now = o.if_contains("now"))
    in.now = as_time(*now, "now");
  if (auto* cfg = o.if_contains("config"))
    detail::decode_config(as_object(*cfg, "config"), in.config, fail);
  if (auto* nodes = o.if_contains("nodes")) {
    const auto& arr = as_array(*nodes, "nodes");
    in.snapshot.nodes.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i)
      in.snapshot.nodes.push_back(decode_node(arr[i], "nodes[" + std::to_string(i) + "]"));
  }
  if (auto* jobs = o.if_contains("jobs")) {
    const auto& arr = as_array(*jobs, "jobs");
    in.snapshot.jobs.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i)
      in.snapshot.jobs.push_back(decode_job(arr[i], "jobs[" + std::to_string(i) + "]"));
  }
  return in;
}

} // namespace

std::optional<std::string> decode_config(std::string_view text, planner_config& cfg) {
  boost::system::error_code ec;
  json::value root = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec)
    return "not valid JSON: " + ec.message();
  try {
    detail::decode_config(as_object(root, "config"), cfg, fail);
  } catch (const bad_field& e) {
    return e.message;
  }
  return std::nullopt;
}

decode_result decode_input(std::string_view text) {
  decode_result out;
  boost::system::error_code ec;
  json::value root = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) {
    out.error = "not valid JSON: " + ec.message();
    return out;
  }
  try {
    out.input = decode(root);
  } catch (const bad_field& e) {
    out.error = e.message;
  }
  return out;
}

} // namespace lattice::snapshot_json
