#include "lifecycle/rendezvous.hpp"

#include "k8s/codec/encoders.hpp"
#include "lifecycle/pod_json.hpp"
#include "lifecycle/pod_names.hpp"

#include <boost/json.hpp>

#include <exception>

namespace lattice::lifecycle {

namespace {

namespace json = boost::json;

struct template_parts {
  std::string image;
  json::value pull_secrets; ///< null when the template has none
};

k8s::result<template_parts> read_template(const std::string& template_json, const std::string& key) {
  json::error_code ec;
  json::value doc = json::parse(template_json, ec);
  if (ec)
    return k8s::decode_error(key, "template", "malformed pod template JSON: " + ec.message());
  const json::object* tmpl = doc.if_object();
  const json::value* spec_value = tmpl != nullptr ? tmpl->if_contains("spec") : nullptr;
  const json::object* spec = spec_value != nullptr ? spec_value->if_object() : nullptr;
  if (spec == nullptr)
    return k8s::decode_error(key, "template.spec", "expected object");
  const json::value* containers = spec->if_contains("containers");
  const json::object* c0 = containers != nullptr && containers->is_array() && !containers->as_array().empty()
                               ? containers->as_array()[0].if_object()
                               : nullptr;
  const json::value* image = c0 != nullptr ? c0->if_contains("image") : nullptr;
  if (image == nullptr || !image->is_string() || image->as_string().empty())
    return k8s::decode_error(key, "template.spec.containers[0].image",
                             "the rendezvous runs the image of the job's first container, which has none");
  template_parts parts{std::string(image->as_string()), nullptr};
  if (const json::value* secrets = spec->if_contains("imagePullSecrets");
      secrets != nullptr && !secrets->is_null()) {
    if (!secrets->is_array())
      return k8s::decode_error(key, "template.spec.imagePullSecrets", "expected array");
    parts.pull_secrets = *secrets;
  }
  return parts;
}

json::object rendezvous_container(const k8s::training_job& job, const rendezvous_pod_input& in,
                                  const std::string& image) {
  const auto& spec = job.spec;
  auto env = [](std::string_view name, std::string value) {
    return json::object{{"name", name}, {"value", std::move(value)}};
  };
  return json::object{
      {"name", "rendezvous"},
      {"image", image},
      {"command", json::array{"python", "-c", agent_bootstrap_code("lattice.rendezvous")}},
      {"ports", json::array{json::object{{"name", "rendezvous"}, {"containerPort", rendezvous_port}}}},
      {"readinessProbe",
       json::object{{"httpGet", json::object{{"path", "/healthz"}, {"port", rendezvous_port}}},
                    {"periodSeconds", 5}}},
      {"env", json::array{env("LATTICE_MIN_SIZE", std::to_string(spec.min_size)),
                          env("LATTICE_MAX_SIZE", std::to_string(spec.max_size)),
                          env("LATTICE_TARGET_SIZE", std::to_string(in.target_size)),
                          env("LATTICE_RDZV_PORT", std::to_string(rendezvous_port)),
                          env("LATTICE_MASTER_PORT", std::to_string(injected_master_port))}},
      {"resources", json::object{{"requests", json::object{{"cpu", "50m"}, {"memory", "64Mi"}}},
                                 {"limits", json::object{{"memory", "256Mi"}}}}},
      {"volumeMounts",
       json::array{
           json::object{{"name", agent_volume_name}, {"mountPath", agent_mount_path}, {"readOnly", true}}}}};
}

k8s::result<std::string> rendezvous_template(const k8s::training_job& job, const rendezvous_pod_input& in,
                                             const std::string& key) {
  auto parts = read_template(job.spec.template_json, key);
  if (!parts)
    return parts.err();
  json::error_code ec;
  json::value tolerations = json::parse(in.tolerations_json.empty() ? "[]" : in.tolerations_json, ec);
  if (ec || !tolerations.is_array())
    return k8s::decode_error(key, "tolerations", "expected a JSON array of tolerations");
  json::object spec;
  if (!parts->pull_secrets.is_null())
    spec["imagePullSecrets"] = parts->pull_secrets;
  if (!in.node_selector.empty()) {
    json::object selector;
    for (const auto& [k, v] : in.node_selector)
      selector[k] = v;
    spec["nodeSelector"] = std::move(selector);
  }
  if (!tolerations.as_array().empty())
    spec["tolerations"] = std::move(tolerations);
  spec["containers"] = json::array{rendezvous_container(job, in, parts->image)};
  if (auto err = add_agent_volume_and_installer(spec, in.operator_image, key))
    return *err;
  return json::serialize(json::object{{"spec", std::move(spec)}});
}

} // namespace

k8s::result<std::string> build_rendezvous_pod(const k8s::training_job& job, const rendezvous_pod_input& in) {
  const std::string name = rendezvous_name(job.meta.name);
  const std::string key = job.meta.namespace_.empty() ? name : job.meta.namespace_ + "/" + name;
  if (job.meta.name.empty())
    return k8s::decode_error(key, "metadata.name", "job name is empty");
  if (in.api_group.empty())
    return k8s::decode_error(key, "api_group", "the CRD group is empty");
  if (in.operator_image.empty())
    return k8s::decode_error(key, "operator_image", "the agent installer needs the operator image");
  try {
    auto tmpl = rendezvous_template(job, in, key);
    if (!tmpl)
      return tmpl.err();
    k8s::pod_from_template_input p;
    p.template_json = std::move(tmpl.value());
    p.name = name;
    p.namespace_ = job.meta.namespace_;
    p.labels = rendezvous_labels(in.api_group, job.meta.name, job.meta.uid);
    p.owner = job_owner(in.api_group, job.meta);
    p.restart_policy = "Always";
    auto body = k8s::encode_pod_from_template(p);
    if (!body)
      return body.err();
    return with_block_owner_deletion(body.value());
  } catch (const std::exception& e) {
    return k8s::decode_error(key, "template", std::string("cannot build rendezvous pod: ") + e.what());
  }
}

namespace {

k8s::service owned_service(const k8s::training_job& job, const std::string& group, std::string name) {
  k8s::service svc;
  svc.meta.name = std::move(name);
  svc.meta.namespace_ = job.meta.namespace_;
  svc.meta.owner_references.push_back(job_owner(group, job.meta));
  return svc;
}

} // namespace

k8s::service make_rendezvous_service(const k8s::training_job& job, const std::string& api_group) {
  k8s::service svc = owned_service(job, api_group, rendezvous_name(job.meta.name));
  svc.meta.labels = rendezvous_labels(api_group, job.meta.name, job.meta.uid);
  svc.selector = rendezvous_selector(api_group, job.meta.name);
  svc.ports.push_back(k8s::service_port{"rendezvous", "TCP", rendezvous_port, rendezvous_port, ""});
  return svc;
}

k8s::service make_workers_service(const k8s::training_job& job, const std::string& api_group,
                                  std::int32_t master_port) {
  k8s::service svc = owned_service(job, api_group, workers_service_name(job.meta.name));
  const label_keys keys = make_label_keys(api_group);
  svc.meta.labels = {{keys.job_name, job_name_label_value(job.meta.name)},
                     {keys.role, std::string(role_worker)}};
  if (!job.meta.uid.empty())
    svc.meta.labels[keys.job_uid] = job.meta.uid;
  svc.cluster_ip = "None";
  svc.selector = workers_selector(api_group, job.meta.name);
  svc.ports.push_back(k8s::service_port{"master", "TCP", master_port, master_port, ""});
  return svc;
}

std::string encode_owned_service(const k8s::service& svc) {
  return with_block_owner_deletion(k8s::encode_service(svc));
}

} // namespace lattice::lifecycle
