#include "actors/gateway.hpp"

#include "k8s/client/object_client.hpp"
#include "k8s/client/resource.hpp"
#include "k8s/codec/encoders.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>

#include <chrono>

namespace lattice::actors {
namespace {

using protocol::api_verb;

protocol::api_result perform(const gateway_settings& settings, const protocol::api_call& call) {
  const auto req = to_http_request(call, settings.api_group);
  auto answer = settings.rest->call(req.method, req.path, {}, req.body, req.content_type);
  protocol::api_result r;
  r.ok = static_cast<bool>(answer);
  if (!r.ok) {
    r.status = answer.err().status;
    r.message = answer.err().to_string();
    r.cancelled = answer.err().what == k8s::error::kind::cancelled;
  }
  return r;
}

protocol::gateway_actor::behavior_type gateway(gateway_settings settings) {
  return {[settings](protocol::api_call& call) { return perform(settings, call); }};
}

} // namespace

http_request to_http_request(const protocol::api_call& call, const std::string& api_group) {
  namespace kc = k8s::client;
  const auto& ns = call.namespace_;
  switch (call.verb) {
  case api_verb::create_pod:
    return {"POST", kc::pods_resource().collection_path(ns), call.body, kc::json_content_type, "pods"};
  case api_verb::delete_pod:
  case api_verb::delete_job: {
    k8s::delete_options options;
    options.precondition_uid = call.uid;
    if (call.grace_period_seconds >= 0)
      options.grace_period_seconds = call.grace_period_seconds;
    if (call.verb == api_verb::delete_job)
      options.propagation = k8s::propagation_policy::background;
    const bool pod = call.verb == api_verb::delete_pod;
    const auto res = pod ? kc::pods_resource() : kc::training_jobs_resource(api_group);
    return {"DELETE", res.object_path(ns, call.name), k8s::encode_delete_options(options),
            kc::json_content_type, pod ? "pods" : "trainingjobs"};
  }
  case api_verb::create_service:
    return {"POST", kc::services_resource().collection_path(ns), call.body, kc::json_content_type,
            "services"};
  case api_verb::patch_job_status:
    return {"PATCH", kc::training_jobs_resource(api_group).object_path(ns, call.name, "status"), call.body,
            kc::merge_patch_content_type, "trainingjobs"};
  case api_verb::patch_job:
    return {"PATCH", kc::training_jobs_resource(api_group).object_path(ns, call.name), call.body,
            kc::merge_patch_content_type, "trainingjobs"};
  case api_verb::create_event:
    return {"POST", kc::events_resource().collection_path(ns), call.body, kc::json_content_type, "events"};
  }
  return {};
}

std::vector<protocol::gateway_actor> spawn_gateways(caf::actor_system& sys, const gateway_settings& settings,
                                                    std::size_t count) {
  std::vector<protocol::gateway_actor> out;
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(sys.spawn<caf::detached>(gateway, settings));
  return out;
}

} // namespace lattice::actors
