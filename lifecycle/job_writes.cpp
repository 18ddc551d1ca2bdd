#include "lifecycle/job_writes.hpp"

#include "base/hash.hpp"
#include "base/json.hpp"
#include "k8s/codec/encoders.hpp"
#include "lifecycle/pod_json.hpp"
#include "lifecycle/pod_names.hpp"
#include "lifecycle/rendezvous.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "lifecycle/worker_pod.hpp"

namespace lattice::lifecycle {
namespace {

/// The longest object name Kubernetes accepts (a DNS-1123 subdomain).
constexpr std::size_t max_object_name = 253;

k8s::write make(const job_model& job, k8s::write_verb verb, std::string name, std::string body) {
  k8s::write w;
  w.verb = verb;
  w.namespace_ = job.namespace_;
  w.name = std::move(name);
  w.body = std::move(body);
  w.order_key = job.key();
  return w;
}

std::string quoted_count(std::int64_t n) {
  return base::json_quoted(std::to_string(n));
}

k8s::write pod_create(const job_model& job, std::string name, std::string body, std::string node) {
  auto w = make(job, k8s::write_verb::create_pod, std::move(name), std::move(body));
  w.urgency = k8s::write_urgency::start_pods;
  w.order_key.clear(); // one pod's delete and re-create are ordered by the expectations
  w.node = std::move(node);
  return w;
}

} // namespace

k8s::write status_write(const job_model& job) {
  // A merge patch carrying metadata.resourceVersion: the API server applies
  // it to that version only and answers 409 otherwise, so a replica that
  // lost its Lease (or any writer that decided on an old version) never
  // silently overwrites a newer status. Not server-side apply: every
  // replica writes with the same field manager, so a stale replica's apply
  // would own the same fields and overwrite them without a conflict.
  const auto version = job.object ? job.object->meta.resource_version : std::string();
  return make(job, k8s::write_verb::patch_job_status, job.name,
              k8s::encode_training_job_status_patch(to_api(job.status), version));
}

k8s::write annotations_write(const job_model& job, const job_config& config) {
  const auto& group = config.api_group;
  const auto& p = job.persisted;
  k8s::merge_patch patch;
  patch.set_at({"metadata", "annotations", schedule_failures_annotation(group)},
               quoted_count(p.schedule_failures));
  patch.set_at({"metadata", "annotations", worker_failures_annotation(group)},
               quoted_count(p.worker_failures));
  patch.set_at({"metadata", "annotations", last_resize_time_annotation(group)},
               p.last_resize_time ? base::json_quoted(base::format_rfc3339(*p.last_resize_time))
                                  : std::string("null"));
  patch.set_at({"metadata", "annotations", attained_service_annotation(group)},
               quoted_count(static_cast<std::int64_t>(p.attained_service)));
  return make(job, k8s::write_verb::patch_job, job.name, patch.encode());
}

std::string event_name(std::string_view job, base::time_point now, std::uint64_t serial) {
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  const auto suffix = "." + std::to_string(nanos) + std::to_string(serial);
  if (job.size() + suffix.size() <= max_object_name)
    return std::string(job) + suffix;
  // `<prefix>-<hash8><suffix>`: the prefix must end in an alphanumeric
  // character, as every part of a DNS subdomain does.
  auto prefix = std::string(job.substr(0, max_object_name - suffix.size() - 9));
  while (!prefix.empty() && (prefix.back() == '-' || prefix.back() == '.'))
    prefix.pop_back();
  return prefix + "-" + base::sha256_hex(job).substr(0, 8) + suffix;
}

k8s::write event_write(const job_model& job, const job_config& config, const event_text& text,
                       base::time_point now, std::uint64_t serial) {
  const auto& meta = job.object->meta;
  k8s::event ev;
  ev.name = event_name(job.name, now, serial);
  ev.namespace_ = job.namespace_;
  ev.involved_object = {config.api_group + "/v1", "TrainingJob", job.namespace_, job.name, meta.uid,
                        meta.resource_version};
  ev.reason = text.reason;
  ev.message = text.message;
  ev.type = text.type;
  ev.source_component = "lattice-operator";
  ev.source_host = config.identity;
  ev.first_timestamp = base::format_rfc3339(now);
  ev.last_timestamp = ev.first_timestamp;
  return make(job, k8s::write_verb::create_event, ev.name, k8s::encode_event(ev));
}

k8s::result<k8s::write> worker_create(const job_model& job, const job_config& config,
                                      const scheduling::worker_placement& placement) {
  worker_pod_input in;
  in.api_group = config.api_group;
  in.index = placement.index;
  in.world_size = job.status.current_size;
  in.node_name = placement.node;
  in.bind_to_node = config.bind_pods_at_create;
  in.operator_image = config.operator_image;
  in.gpu_resource = config.gpu_resource;
  in.agent_status_port = config.agent_status_port;
  auto body = build_worker_pod(*job.object, in);
  if (!body)
    return body.err();
  return pod_create(job, worker_pod_name(job.name, placement.index), std::move(body.value()), placement.node);
}

k8s::result<k8s::write> rendezvous_create(const job_model& job, const job_config& config) {
  rendezvous_pod_input in;
  in.api_group = config.api_group;
  in.operator_image = config.operator_image;
  in.node_selector = config.rendezvous_node_selector;
  in.tolerations_json = config.rendezvous_tolerations_json;
  in.target_size = job.status.current_size;
  auto body = build_rendezvous_pod(*job.object, in);
  if (!body)
    return body.err();
  return pod_create(job, rendezvous_name(job.name), std::move(body.value()), {});
}

k8s::write workers_service_create(const job_model& job, const job_config& config) {
  const auto port = job.object->spec.inject_lattice ? injected_master_port : default_master_port;
  return make(job, k8s::write_verb::create_service, workers_service_name(job.name),
              encode_owned_service(make_workers_service(*job.object, config.api_group, port)));
}

k8s::write rendezvous_service_create(const job_model& job, const job_config& config) {
  return make(job, k8s::write_verb::create_service, rendezvous_name(job.name),
              encode_owned_service(make_rendezvous_service(*job.object, config.api_group)));
}

k8s::write pod_delete(const job_model& job, const pod_record& pod, bool force) {
  auto w = make(job, k8s::write_verb::delete_pod, pod.name, {});
  w.uid = pod.uid;
  if (force)
    w.grace_period_seconds = 0;
  w.order_key.clear();
  if (pod.live()) {
    w.urgency = k8s::write_urgency::free_gpus;
    w.node = pod.node;
  }
  return w;
}

k8s::write job_delete(const job_model& job) {
  auto w = make(job, k8s::write_verb::delete_job, job.name, {});
  w.uid = job.object->meta.uid;
  return w;
}

} // namespace lattice::lifecycle
