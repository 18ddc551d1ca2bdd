#include "lifecycle/snapshot_conversion.hpp"

#include "base/time.hpp"
#include "lifecycle/pod_names.hpp"
#include "scheduling/constraints.hpp"

namespace lattice::lifecycle {
namespace {

scheduling::selector_operator to_scheduling(k8s::selector_operator op) {
  switch (op) {
  case k8s::selector_operator::in:
    return scheduling::selector_operator::in;
  case k8s::selector_operator::not_in:
    return scheduling::selector_operator::not_in;
  case k8s::selector_operator::exists:
    return scheduling::selector_operator::exists;
  case k8s::selector_operator::does_not_exist:
    return scheduling::selector_operator::does_not_exist;
  case k8s::selector_operator::gt:
    return scheduling::selector_operator::gt;
  case k8s::selector_operator::lt:
    return scheduling::selector_operator::lt;
  }
  return scheduling::selector_operator::in;
}

/// Node taint effect; unknown effects keep workers off.
scheduling::taint_effect to_taint_effect(k8s::taint_effect e) {
  switch (e) {
  case k8s::taint_effect::prefer_no_schedule:
    return scheduling::taint_effect::prefer_no_schedule;
  case k8s::taint_effect::no_execute:
    return scheduling::taint_effect::no_execute;
  default:
    return scheduling::taint_effect::no_schedule;
  }
}

/// Toleration effect; the empty effect matches every effect. An effect this
/// build does not know must not tolerate NoSchedule/NoExecute taints, so it
/// becomes PreferNoSchedule, which the planner ignores anyway.
std::optional<scheduling::taint_effect> to_toleration_effect(k8s::taint_effect e) {
  if (e == k8s::taint_effect::any)
    return std::nullopt;
  if (e == k8s::taint_effect::other)
    return scheduling::taint_effect::prefer_no_schedule;
  return to_taint_effect(e);
}

scheduling::placement_constraints to_constraints(const k8s::pod_template_info& t) {
  scheduling::placement_constraints c;
  for (const auto& [key, value] : t.node_selector)
    c.node_selector[key] = value;
  for (const auto& term : t.required_node_terms) {
    scheduling::node_selector_term out;
    for (const auto& req : term.match_expressions)
      out.match_expressions.push_back({req.key, to_scheduling(req.op), req.values});
    // matchFields is only defined for metadata.name (the node's name, which
    // is how workers are pinned); the planner matches it against the name.
    for (const auto& req : term.match_fields)
      if (req.key == scheduling::node_name_field)
        out.match_expressions.push_back({req.key, to_scheduling(req.op), req.values});
    c.required_affinity.push_back(std::move(out));
  }
  for (const auto& tol : t.tolerations) {
    c.tolerations.push_back({tol.key,
                             tol.op == k8s::toleration_operator::exists
                                 ? scheduling::toleration_operator::exists
                                 : scheduling::toleration_operator::equal,
                             tol.value, to_toleration_effect(tol.effect)});
  }
  return c;
}

} // namespace

std::string schedule_failures_annotation(const std::string& api_group) {
  return api_group + "/schedule-failures";
}
std::string worker_failures_annotation(const std::string& api_group) {
  return api_group + "/worker-failures";
}

std::string last_resize_time_annotation(const std::string& api_group) {
  return api_group + "/last-resize-time";
}
std::string attained_service_annotation(const std::string& api_group) {
  return api_group + "/attained-service";
}
std::string replica_index_label(const std::string& api_group) {
  return api_group + "/replica-index";
}
scheduling::resource_list to_scheduling_resources(const k8s::resource_list& r) {
  scheduling::resource_list out;
  if (r.cpu_millis != 0)
    out.set("cpu", r.cpu_millis);
  if (r.memory_bytes != 0)
    out.set("memory", r.memory_bytes);
  for (const auto& other : r.others)
    if (other.value != 0)
      out.set(other.name, other.value);
  return out;
}

std::optional<scheduling::job_info> to_job_info(const job_model& job) {
  const auto& status = job.status;
  // Finished jobs are done with the autoscaler; suspended ones wait outside
  // the queue until resumed.
  if (!job.object || is_terminal(status.stage) || job.object->spec.run.suspend)
    return std::nullopt;
  const auto& spec = job.object->spec;
  scheduling::job_info info;
  info.namespace_ = job.namespace_;
  info.name = job.name;
  info.priority = spec.priority;
  info.min_size = spec.min_size;
  info.max_size = spec.max_size;
  info.worker_resources = to_scheduling_resources(spec.template_info.requests);
  // Every worker takes one of its node's allocatable `pods` (the kubelet's
  // max-pods): the planner never plans more workers on a node than it runs.
  info.worker_resources.set(pods_resource, 1);
  info.constraints = to_constraints(spec.template_info);
  info.stage =
      status.stage == stage::running ? scheduling::job_stage::running : scheduling::job_stage::waiting;
  auto submit = status.submit_time;
  if (!submit)
    submit = base::parse_optional_time(job.object->meta.creation_timestamp);
  info.submit_time = submit.value_or(scheduling::time_point{});
  info.queued_time = status.queued_time;
  info.cooldown_time = status.cooldown_time;
  info.schedule_failures = job.persisted.schedule_failures;
  info.last_resize_time = job.persisted.last_resize_time;
  if (info.stage == scheduling::job_stage::running)
    for (const auto& [name, pod] : job.pods)
      if (pod.live() && pod.is_worker())
        info.workers.push_back({*pod.index, pod.node});
  info.throughput = job.throughput;
  info.banked_service = job.persisted.attained_service;
  // Under the agent the workers that stay form the group again when one
  // moves; a plain job's would lose their peer.
  info.movable = spec.inject_lattice;
  // Adoption of an interrupted admission drops the rescale lock
  // (lifecycle/job_transition.cpp): the missing workers are still to be placed.
  info.placement_incomplete = info.stage == scheduling::job_stage::running && !info.last_resize_time
                              && static_cast<std::int32_t>(info.workers.size()) < status.current_size;
  return info;
}

scheduling::node_info to_node_info(const k8s::node& node, const k8s::resource_list& used_by_others) {
  scheduling::node_info info;
  info.name = node.meta.name;
  info.labels = node.meta.labels;
  for (const auto& t : node.taints)
    info.taints.push_back({t.key, t.value, to_taint_effect(t.effect)});
  info.allocatable = to_scheduling_resources(node.allocatable);
  // A Node without `pods` in its allocatable (never a kubelet's; hand-made
  // objects) is not limited by pod count: the planner's rule
  // (scheduling/placement.cpp), which snapshot documents share.
  info.used_by_others = to_scheduling_resources(used_by_others);
  info.schedulable = !node.unschedulable;
  info.ready = node.ready == k8s::condition_status::true_;
  return info;
}

} // namespace lattice::lifecycle
