#include "lifecycle/job_validation.hpp"

#include "lifecycle/job_throughput.hpp"

namespace lattice::lifecycle {
namespace {

const char* const containers_path = "spec.replicaSpecs.template.spec.containers";

void check_sizes(const k8s::training_job_spec& spec, std::vector<field_problem>& out) {
  if (spec.min_size < 1)
    out.push_back({"spec.minSize", "must be at least 1 (got " + std::to_string(spec.min_size) + ")"});
  if (spec.max_size < spec.min_size)
    out.push_back({"spec.maxSize", "must be at least minSize " + std::to_string(spec.min_size) + " (got "
                                       + std::to_string(spec.max_size) + ")"});
}

void check_containers(const k8s::training_job_spec& spec, std::vector<field_problem>& out) {
  if (!spec.template_info.node_name.empty())
    out.push_back({"spec.replicaSpecs.template.spec.nodeName",
                   "must not be set: the operator pins each worker to the node the planner chose (got \""
                       + spec.template_info.node_name + "\"); use nodeSelector or node affinity instead"});
  const auto& containers = spec.template_info.containers;
  if (containers.empty()) {
    out.push_back({containers_path, "the worker pod template needs at least one container"});
    return;
  }
  // The agent reads its status port from the first container's env and
  // refuses to start on a value that is not a port.
  const auto& port = containers.front().agent_status_port;
  if (spec.inject_lattice && port && !parse_agent_status_port(*port))
    out.push_back({std::string(containers_path) + "[0].env[LATTICE_AGENT_STATUS_PORT]",
                   "must be a port number from 0 to 65535, 0 to serve no rate (got \"" + *port
                       + "\"): the injected agent serves the job's measured rate there"});
  // The agent wraps only the first container (docs/design/agent.md §2), so
  // only that one needs an explicit command.
  if (!spec.inject_lattice || containers.front().has_command)
    return;
  const auto& name = containers.front().name;
  out.push_back({std::string(containers_path) + "[0].command",
                 "injectLattice: true needs an explicit command on the first container"
                     + (name.empty() ? std::string() : " \"" + name + "\"")
                     + " (the agent wraps that command; it cannot read the image's entrypoint)"});
}

void check_run_policy(const k8s::run_policy& run, std::vector<field_problem>& out) {
  if (run.backoff_limit && *run.backoff_limit < 0)
    out.push_back({"spec.runPolicy.backoffLimit",
                   "must be 0 or more (got " + std::to_string(*run.backoff_limit) + ")"});
  if (run.active_deadline_seconds && *run.active_deadline_seconds <= 0)
    out.push_back({"spec.runPolicy.activeDeadlineSeconds",
                   "must be more than 0 seconds (got " + std::to_string(*run.active_deadline_seconds) + ")"});
  if (run.ttl_seconds_after_finished && *run.ttl_seconds_after_finished < 0)
    out.push_back(
        {"spec.runPolicy.ttlSecondsAfterFinished",
         "must be 0 or more seconds (got " + std::to_string(*run.ttl_seconds_after_finished) + ")"});
  const auto& policy = run.clean_pod_policy;
  if (!policy.empty() && policy != "All" && policy != "Running" && policy != "None")
    out.push_back({"spec.runPolicy.cleanPodPolicy", "must be All, Running or None (got \"" + policy + "\")"});
}

} // namespace

std::vector<field_problem> validate_job(const k8s::training_job& job) {
  std::vector<field_problem> problems;
  check_sizes(job.spec, problems);
  if (job.spec.framework != "pytorch")
    problems.push_back(
        {"spec.framework", "only \"pytorch\" is supported for now (got \"" + job.spec.framework + "\")"});
  check_containers(job.spec, problems);
  check_run_policy(job.spec.run, problems);
  return problems;
}

std::string format_problems(const std::vector<field_problem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty())
      out += "; ";
    out += p.field + ": " + p.message;
  }
  return out;
}

} // namespace lattice::lifecycle
