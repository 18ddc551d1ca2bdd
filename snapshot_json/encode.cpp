// Planner input and plans to JSON (the format decode.cpp reads).
#include "snapshot_json/config_fields.hpp"
#include "snapshot_json/json_time.hpp"
#include "snapshot_json/snapshot_json.hpp"

#include <boost/json.hpp>

namespace lattice::snapshot_json {

namespace json = boost::json;
using namespace scheduling;

namespace {

const char* effect_name(taint_effect e) {
  switch (e) {
  case taint_effect::no_schedule:
    return "NoSchedule";
  case taint_effect::prefer_no_schedule:
    return "PreferNoSchedule";
  case taint_effect::no_execute:
    return "NoExecute";
  }
  return "NoSchedule";
}

const char* operator_name(selector_operator op) {
  switch (op) {
  case selector_operator::in:
    return "In";
  case selector_operator::not_in:
    return "NotIn";
  case selector_operator::exists:
    return "Exists";
  case selector_operator::does_not_exist:
    return "DoesNotExist";
  case selector_operator::gt:
    return "Gt";
  case selector_operator::lt:
    return "Lt";
  }
  return "In";
}

const char* stage_name(job_stage s) {
  return s == job_stage::running ? "Running" : "Waiting";
}

json::object resources(const resource_list& r) {
  json::object o;
  for (const auto& [name, amount] : r.entries())
    o[name] = amount;
  return o;
}

json::object string_map(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m)
    o[k] = v;
  return o;
}

json::array workers(const std::vector<worker_placement>& ws) {
  json::array a;
  for (const auto& w : ws)
    a.push_back(json::object{{"index", w.index}, {"node", w.node}});
  return a;
}

json::value node(const node_info& n) {
  json::object o;
  o["name"] = n.name;
  if (!n.labels.empty())
    o["labels"] = string_map(n.labels);
  if (!n.taints.empty()) {
    json::array taints;
    for (const auto& t : n.taints) {
      json::object to{{"key", t.key}, {"effect", effect_name(t.effect)}};
      if (!t.value.empty())
        to["value"] = t.value;
      taints.push_back(std::move(to));
    }
    o["taints"] = std::move(taints);
  }
  o["allocatable"] = resources(n.allocatable);
  if (!n.used_by_others.empty())
    o["usedByOthers"] = resources(n.used_by_others);
  if (!n.schedulable)
    o["schedulable"] = false;
  if (!n.ready)
    o["ready"] = false;
  return o;
}

void constraints(json::object& o, const placement_constraints& c) {
  if (!c.node_selector.empty())
    o["nodeSelector"] = string_map(c.node_selector);
  if (!c.required_affinity.empty()) {
    json::array terms;
    for (const auto& term : c.required_affinity) {
      json::array exprs;
      for (const auto& r : term.match_expressions) {
        json::array values;
        for (const auto& v : r.values)
          values.push_back(json::string(v));
        json::object e{{"key", r.key}, {"operator", operator_name(r.op)}};
        if (!values.empty())
          e["values"] = std::move(values);
        exprs.push_back(std::move(e));
      }
      terms.push_back(json::object{{"matchExpressions", std::move(exprs)}});
    }
    o["requiredAffinity"] = std::move(terms);
  }
  if (!c.tolerations.empty()) {
    json::array tols;
    for (const auto& t : c.tolerations) {
      json::object to;
      if (!t.key.empty())
        to["key"] = t.key;
      to["operator"] = t.op == toleration_operator::exists ? "Exists" : "Equal";
      if (!t.value.empty())
        to["value"] = t.value;
      if (t.effect)
        to["effect"] = effect_name(*t.effect);
      tols.push_back(std::move(to));
    }
    o["tolerations"] = std::move(tols);
  }
}

json::value job(const job_info& j) {
  json::object o;
  o["namespace"] = j.namespace_;
  o["name"] = j.name;
  if (j.priority != 0)
    o["priority"] = j.priority;
  o["minSize"] = j.min_size;
  o["maxSize"] = j.max_size;
  o["workerResources"] = resources(j.worker_resources);
  constraints(o, j.constraints);
  o["stage"] = stage_name(j.stage);
  o["submitTime"] = detail::format_rfc3339(j.submit_time);
  if (j.queued_time)
    o["queuedTime"] = detail::format_rfc3339(*j.queued_time);
  if (j.cooldown_time)
    o["cooldownTime"] = detail::format_rfc3339(*j.cooldown_time);
  if (j.schedule_failures != 0)
    o["scheduleFailures"] = j.schedule_failures;
  if (j.last_resize_time)
    o["lastResizeTime"] = detail::format_rfc3339(*j.last_resize_time);
  if (j.stage == job_stage::running)
    o["workers"] = workers(j.workers);
  if (j.attained_service)
    o["attainedService"] = *j.attained_service;
  if (j.movable)
    o["movable"] = true;
  if (!j.throughput.empty()) {
    json::array samples;
    for (const auto& s : j.throughput)
      samples.push_back(json::object{{"workers", s.workers},
                                     {"nodes", s.nodes},
                                     {"samplesPerSecond", s.samples_per_second},
                                     {"measuredAt", detail::format_rfc3339(s.measured_at)}});
    o["throughput"] = std::move(samples);
  }
  return o;
}

json::value decision(const job_decision& d) {
  json::object o;
  o["namespace"] = d.namespace_;
  o["name"] = d.name;
  o["stage"] = stage_name(d.stage);
  o["size"] = d.size;
  o["workers"] = workers(d.workers);
  o["added"] = workers(d.added);
  o["removed"] = workers(d.removed);
  o["changed"] = d.changed;
  o["preempted"] = d.preempted;
  if (d.moved)
    o["moved"] = true;
  if (!d.preempted_by.empty())
    o["preemptedBy"] = d.preempted_by;
  o["invalid"] = d.invalid;
  o["reason"] = d.reason;
  return o;
}

} // namespace

std::string encode_input(const planner_input& in) {
  json::object o;
  if (in.now)
    o["now"] = detail::format_rfc3339(*in.now);
  json::object cfg = detail::encode_config(in.config);
  if (!cfg.empty())
    o["config"] = std::move(cfg);
  json::array nodes;
  for (const auto& n : in.snapshot.nodes)
    nodes.push_back(node(n));
  o["nodes"] = std::move(nodes);
  json::array jobs;
  for (const auto& j : in.snapshot.jobs)
    jobs.push_back(job(j));
  o["jobs"] = std::move(jobs);
  return json::serialize(o);
}

std::string encode_plan(const plan& p, const snapshot& snap) {
  json::object o;
  json::array jobs;
  for (const auto& d : p.jobs)
    jobs.push_back(decision(d));
  o["jobs"] = std::move(jobs);
  json::array queue;
  for (std::size_t i : p.queue)
    if (i < snap.jobs.size())
      queue.push_back(json::string(snap.jobs[i].key()));
  o["queue"] = std::move(queue);
  json::array warnings;
  for (const auto& w : p.warnings)
    warnings.push_back(json::string(w));
  o["warnings"] = std::move(warnings);
  if (!p.reserved_for.empty()) {
    json::array nodes;
    for (const auto& n : p.reserved_nodes)
      nodes.push_back(json::string(n));
    o["reservation"] = json::object{{"job", p.reserved_for}, {"nodes", std::move(nodes)}};
  }
  if (p.review_at)
    o["reviewAt"] = detail::format_rfc3339(*p.review_at);
  return json::serialize(o);
}

} // namespace lattice::snapshot_json
