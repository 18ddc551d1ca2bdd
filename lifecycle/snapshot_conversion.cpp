#include "lifecycle/snapshot_conversion.hpp"

#include "base/time.hpp"
#include "lifecycle/pod_names.hpp"
#include "scheduling/constraints.hpp"

#include <charconv>

namespace lattice::lifecycle {
namespace {

std::optional<std::int32_t> parse_int32(const std::string& text) {
  std::int32_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty())
    return std::nullopt;
  return value;
}

const std::string* find(const std::map<std::string, std::string>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

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

void add(k8s::resource_list& sum, const k8s::resource_list& r) {
  sum.cpu_millis += r.cpu_millis;
  sum.memory_bytes += r.memory_bytes;
  for (const auto& other : r.others)
    sum.set(other.name, sum.get(other.name) + other.value);
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
std::string replica_index_label(const std::string& api_group) {
  return api_group + "/replica-index";
}
std::optional<std::int32_t> worker_index(const k8s::pod& pod, const std::string& api_group) {
  const auto* label = find(pod.meta.labels, replica_index_label(api_group));
  const auto index = label ? parse_int32(*label) : std::nullopt;
  if (!index || *index < 0)
    return std::nullopt;
  return index;
}
bool is_live(const k8s::pod& pod) {
  return pod.meta.deletion_timestamp.empty() && pod.phase != k8s::pod_phase::succeeded
         && pod.phase != k8s::pod_phase::failed;
}

std::vector<const k8s::pod*> live_workers(const std::vector<k8s::pod>& job_pods,
                                          const std::string& api_group) {
  std::vector<const k8s::pod*> out;
  for (const auto& pod : job_pods)
    if (is_live(pod) && worker_index(pod, api_group))
      out.push_back(&pod);
  return out;
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

std::optional<scheduling::job_info> to_job_info(const k8s::training_job& job,
                                                const std::vector<k8s::pod>& job_pods,
                                                const std::string& api_group) {
  const auto& status = job.status;
  // Finished jobs are done with the autoscaler; suspended ones wait outside
  // the queue until resumed.
  if (status.stage == "Completed" || status.stage == "Failed" || job.spec.run.suspend)
    return std::nullopt;
  scheduling::job_info info;
  info.namespace_ = job.meta.namespace_;
  info.name = job.meta.name;
  info.priority = job.spec.priority;
  info.min_size = job.spec.min_size;
  info.max_size = job.spec.max_size;
  info.worker_resources = to_scheduling_resources(job.spec.template_info.requests);
  info.constraints = to_constraints(job.spec.template_info);
  info.stage = status.stage == "Running" ? scheduling::job_stage::running : scheduling::job_stage::waiting;

  auto submit = base::parse_optional_time(status.submit_time);
  if (!submit)
    submit = base::parse_optional_time(job.meta.creation_timestamp);
  info.submit_time = submit.value_or(scheduling::time_point{});
  info.queued_time = base::parse_optional_time(status.queued_time);
  info.cooldown_time = base::parse_optional_time(status.cooldown_time);
  if (const auto* failures = find(job.meta.annotations, schedule_failures_annotation(api_group)))
    info.schedule_failures = std::max(0, parse_int32(*failures).value_or(0));
  if (const auto* resized = find(job.meta.annotations, last_resize_time_annotation(api_group)))
    info.last_resize_time = base::parse_optional_time(*resized);

  if (info.stage == scheduling::job_stage::running) {
    const std::string index_label = replica_index_label(api_group);
    const std::string pin_annotation = pinned_node_annotation(api_group);
    for (const auto* pod : live_workers(job_pods, api_group)) {
      std::string node = pod->node_name;
      if (node.empty())
        if (const auto* pin = find(pod->meta.annotations, pin_annotation))
          node = *pin;
      info.workers.push_back({*parse_int32(*find(pod->meta.labels, index_label)), node});
    }
  }
  return info;
}

scheduling::node_info to_node_info(const k8s::node& node, const k8s::resource_list& used_by_others) {
  scheduling::node_info info;
  info.name = node.meta.name;
  info.labels = node.meta.labels;
  for (const auto& t : node.taints)
    info.taints.push_back({t.key, t.value, to_taint_effect(t.effect)});
  info.allocatable = to_scheduling_resources(node.allocatable);
  info.used_by_others = to_scheduling_resources(used_by_others);
  info.schedulable = !node.unschedulable;
  info.ready = node.ready == k8s::condition_status::true_;
  return info;
}

k8s::resource_list requests_of_others(const std::string& node_name, const std::vector<k8s::pod>& pods,
                                      const std::set<std::string>& planned_workers) {
  k8s::resource_list sum;
  for (const auto& pod : pods) {
    // Terminating pods still hold their resources until they are gone.
    const bool holds = pod.phase != k8s::pod_phase::succeeded && pod.phase != k8s::pod_phase::failed;
    if (pod.node_name == node_name && holds && planned_workers.count(pod.meta.key()) == 0)
      add(sum, pod.requests);
  }
  return sum;
}

std::set<std::string> worker_keys(const std::vector<k8s::pod>& job_pods, const std::string& api_group) {
  std::set<std::string> keys;
  for (const auto* pod : live_workers(job_pods, api_group))
    keys.insert(pod->meta.key());
  return keys;
}

} // namespace lattice::lifecycle
