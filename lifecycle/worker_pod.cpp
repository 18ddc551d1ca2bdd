#include "lifecycle/worker_pod.hpp"

#include "k8s/codec/encoders.hpp"
#include "lifecycle/pod_json.hpp"
#include "lifecycle/pod_names.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <optional>
#include <vector>

namespace lattice::lifecycle {

namespace {

namespace json = boost::json;

const std::string c0_path = "template.spec.containers[0]";

/// Reads an optional array of strings; nullopt (and `err` set) on a wrong type.
std::optional<std::vector<std::string>> string_list(const json::object& c, std::string_view key,
                                                    const std::string& key_path,
                                                    const std::string& object_key,
                                                    std::optional<k8s::error>& err) {
  std::vector<std::string> out;
  const json::value* v = c.if_contains(key);
  if (v == nullptr || v->is_null())
    return out;
  const json::array* a = v->if_array();
  if (a == nullptr) {
    err = k8s::decode_error(object_key, key_path, "expected array of strings");
    return std::nullopt;
  }
  for (std::size_t i = 0; i < a->size(); ++i) {
    if (!(*a)[i].is_string()) {
      err = k8s::decode_error(object_key, key_path + "[" + std::to_string(i) + "]", "expected string");
      return std::nullopt;
    }
    out.emplace_back((*a)[i].as_string());
  }
  return out;
}

/// The GPU limit of the container as a whole number of devices; 0 when absent.
std::optional<std::int64_t> gpu_limit(const json::object& c, const std::string& gpu_resource) {
  const json::value* res = c.if_contains("resources");
  const json::value* limits =
      res != nullptr && res->is_object() ? res->as_object().if_contains("limits") : nullptr;
  const json::value* v =
      limits != nullptr && limits->is_object() ? limits->as_object().if_contains(gpu_resource) : nullptr;
  if (v == nullptr || v->is_null())
    return 0;
  if (v->is_int64())
    return v->as_int64() >= 0 ? std::optional<std::int64_t>(v->as_int64()) : std::nullopt;
  if (v->is_uint64())
    return static_cast<std::int64_t>(std::min<std::uint64_t>(v->as_uint64(), 1u << 20));
  if (v->is_double()) {
    double d = v->as_double();
    if (d >= 0 && d < 1e6 && std::floor(d) == d)
      return static_cast<std::int64_t>(d);
    return std::nullopt;
  }
  if (v->is_string()) {
    const auto& s = v->as_string();
    if (s.empty() || s.size() > 6
        || !std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      return std::nullopt;
    return std::stoll(std::string(s));
  }
  return std::nullopt;
}

std::int64_t termination_grace(const json::object& spec) {
  const json::value* v = spec.if_contains("terminationGracePeriodSeconds");
  std::int64_t grace = 30;
  if (v != nullptr && v->is_int64())
    grace = v->as_int64();
  else if (v != nullptr && v->is_double())
    grace = static_cast<std::int64_t>(v->as_double());
  return std::max<std::int64_t>(1, grace - 5);
}

/// Applies docs/design/agent.md §2 to the template; returns the new template JSON.
k8s::result<std::string> inject_agent(const k8s::training_job& job, const worker_pod_input& in,
                                      const std::string& key) {
  json::error_code ec;
  json::value doc = json::parse(job.spec.template_json, ec);
  if (ec)
    return k8s::decode_error(key, "template", "malformed pod template JSON: " + ec.message());
  json::object* tmpl = doc.if_object();
  json::value* spec_value = tmpl != nullptr ? tmpl->if_contains("spec") : nullptr;
  json::object* spec = spec_value != nullptr ? spec_value->if_object() : nullptr;
  if (spec == nullptr)
    return k8s::decode_error(key, "template.spec", "expected object");
  json::value* containers = spec->if_contains("containers");
  if (containers == nullptr || !containers->is_array() || containers->as_array().empty())
    return k8s::decode_error(key, "template.spec.containers", "at least one container is required");
  json::object* c0 = containers->as_array()[0].if_object();
  if (c0 == nullptr)
    return k8s::decode_error(key, c0_path, "expected object");
  std::string name;
  if (const json::value* n = c0->if_contains("name"); n != nullptr && n->is_string())
    name = std::string(n->as_string());

  std::optional<k8s::error> err;
  auto command = string_list(*c0, "command", c0_path + ".command", key, err);
  if (!command)
    return *err;
  if (command->empty())
    return k8s::decode_error(
        key, c0_path + ".command",
        "container '" + name
            + "' has no command: injectLattice requires an explicit command for the Lattice "
              "agent to wrap");
  auto args = string_list(*c0, "args", c0_path + ".args", key, err);
  if (!args)
    return *err;
  json::array rewritten;
  for (const auto& part : agent_command(*command, *args))
    rewritten.emplace_back(part);
  (*c0)["command"] = std::move(rewritten);
  c0->erase("args");

  for (std::string_view list : {"volumeMounts", "env"}) {
    json::value& v = (*c0)[list];
    if (v.is_null())
      v = json::array();
    if (!v.is_array())
      return k8s::decode_error(key, c0_path + "." + std::string(list), "expected array");
  }
  (*c0)["volumeMounts"].as_array().push_back(
      json::object{{"name", agent_volume_name}, {"mountPath", agent_mount_path}, {"readOnly", true}});

  const auto gpus = gpu_limit(*c0, in.gpu_resource);
  if (!gpus)
    return k8s::decode_error(key, c0_path + ".resources.limits[" + in.gpu_resource + "]",
                             "expected a whole number of devices");
  const std::string ns = job.meta.namespace_;
  add_env_if_absent(*c0, "LATTICE_JOB_NAME", job.meta.name);
  add_env_if_absent(*c0, "LATTICE_JOB_NAMESPACE", ns);
  add_env_if_absent(*c0, "LATTICE_FRAMEWORK", job.spec.framework.empty() ? "pytorch" : job.spec.framework);
  add_env_if_absent(*c0, "LATTICE_MIN_SIZE", std::to_string(job.spec.min_size));
  add_env_if_absent(*c0, "LATTICE_MAX_SIZE", std::to_string(job.spec.max_size));
  add_env_if_absent(*c0, "LATTICE_RDZV_ENDPOINT",
                    rendezvous_name(job.meta.name) + "." + ns + ".svc:" + std::to_string(rendezvous_port));
  add_env_if_absent(*c0, "LATTICE_WORKER_INDEX", std::to_string(in.index));
  add_field_ref_env_if_absent(*c0, "LATTICE_POD_NAME", "metadata.name");
  add_field_ref_env_if_absent(*c0, "LATTICE_POD_IP", "status.podIP");
  add_env_if_absent(*c0, "LATTICE_NPROC_PER_NODE", std::to_string(*gpus > 0 ? *gpus : 1));
  if (job.spec.run.backoff_limit)
    add_env_if_absent(*c0, "LATTICE_MAX_RESTARTS", std::to_string(*job.spec.run.backoff_limit));
  add_env_if_absent(*c0, "LATTICE_TERMINATION_GRACE_SECONDS", std::to_string(termination_grace(*spec)));
  if (in.agent_status_port > 0)
    add_env_if_absent(*c0, "LATTICE_AGENT_STATUS_PORT", std::to_string(in.agent_status_port));

  if (auto failed = add_agent_volume_and_installer(*spec, in.operator_image, key))
    return *failed;
  return json::serialize(doc);
}

std::vector<k8s::env_var> plain_env(const k8s::training_job& job, const worker_pod_input& in) {
  const std::string master_addr = worker_pod_name(job.meta.name, 0) + "."
                                  + workers_service_name(job.meta.name) + "." + job.meta.namespace_ + ".svc";
  const std::string world = std::to_string(in.world_size);
  const std::string rank = std::to_string(in.index);
  const std::string port = std::to_string(in.master_port);
  return {{"WORLD_SIZE", world},
          {"RANK", rank},
          {"MASTER_ADDR", master_addr},
          {"MASTER_PORT", port},
          {"PET_NNODES", world},
          {"PET_NODE_RANK", rank},
          {"PET_MASTER_ADDR", master_addr},
          {"PET_MASTER_PORT", port},
          {"LATTICE_FRAMEWORK", job.spec.framework.empty() ? "pytorch" : job.spec.framework},
          {"LATTICE_JOB_NAME", job.meta.name},
          {"LATTICE_JOB_NAMESPACE", job.meta.namespace_},
          {"LATTICE_MIN_SIZE", std::to_string(job.spec.min_size)},
          {"LATTICE_MAX_SIZE", std::to_string(job.spec.max_size)},
          {"LATTICE_WORKER_INDEX", rank}};
}

std::optional<k8s::error> check_input(const k8s::training_job& job, const worker_pod_input& in,
                                      const std::string& key) {
  if (job.meta.name.empty())
    return k8s::decode_error(key, "metadata.name", "job name is empty");
  if (in.api_group.empty())
    return k8s::decode_error(key, "api_group", "the CRD group is empty");
  if (in.world_size < 1)
    return k8s::decode_error(key, "world_size", "must be at least 1, got " + std::to_string(in.world_size));
  if (in.index < 0 || in.index >= in.world_size)
    return k8s::decode_error(key, "index",
                             "must be in [0, " + std::to_string(in.world_size) + "), got "
                                 + std::to_string(in.index));
  if (in.node_name.empty())
    return k8s::decode_error(key, "node_name", "no node to pin the worker to");
  if (in.master_port < 1 || in.master_port > 65535)
    return k8s::decode_error(key, "master_port", "must be a TCP port, got " + std::to_string(in.master_port));
  if (job.spec.inject_lattice && in.operator_image.empty())
    return k8s::decode_error(key, "operator_image",
                             "injectLattice needs the operator image for the agent installer");
  return std::nullopt;
}

} // namespace

k8s::result<std::string> build_worker_pod(const k8s::training_job& job, const worker_pod_input& in) {
  const std::string pod_name = worker_pod_name(job.meta.name, in.index);
  const std::string key = job.meta.namespace_.empty() ? pod_name : job.meta.namespace_ + "/" + pod_name;
  if (auto err = check_input(job, in, key))
    return *err;
  try {
    k8s::pod_from_template_input p;
    if (job.spec.inject_lattice) {
      auto injected = inject_agent(job, in, key);
      if (!injected)
        return injected.err();
      p.template_json = std::move(injected.value());
    } else {
      p.template_json = job.spec.template_json;
      p.env = plain_env(job, in);
    }
    p.name = pod_name;
    p.namespace_ = job.meta.namespace_;
    p.labels = worker_labels(in.api_group, job.meta.name, job.meta.uid, in.index);
    p.annotations[pinned_node_annotation(in.api_group)] = in.node_name;
    p.annotations[world_size_annotation(in.api_group)] = std::to_string(in.world_size);
    p.owner = job_owner(in.api_group, job.meta);
    p.pin_node = in.node_name;
    p.bind_to_pin_node = in.bind_to_node;
    p.hostname = pod_name;
    p.subdomain = workers_service_name(job.meta.name);
    p.restart_policy = "Never";
    auto body = k8s::encode_pod_from_template(p);
    if (!body)
      return body.err();
    return with_block_owner_deletion(body.value());
  } catch (const std::exception& e) {
    return k8s::decode_error(key, "template", std::string("cannot build worker pod: ") + e.what());
  }
}

} // namespace lattice::lifecycle
