#include "k8s/client/write_request.hpp"

#include "k8s/client/object_client.hpp"
#include "k8s/client/resource.hpp"
#include "k8s/codec/encoders.hpp"

namespace lattice::k8s::client {

write_request to_http_request(const write& w, const std::string& api_group) {
  const auto& ns = w.namespace_;
  switch (w.verb) {
  case write_verb::create_pod:
    return {"POST", pods_resource().collection_path(ns), w.body, json_content_type, "pods"};
  case write_verb::delete_pod:
  case write_verb::delete_job: {
    delete_options options;
    options.precondition_uid = w.uid;
    if (w.grace_period_seconds >= 0)
      options.grace_period_seconds = w.grace_period_seconds;
    if (w.verb == write_verb::delete_job)
      options.propagation = propagation_policy::background;
    const bool pod = w.verb == write_verb::delete_pod;
    const auto res = pod ? pods_resource() : training_jobs_resource(api_group);
    return {"DELETE", res.object_path(ns, w.name), encode_delete_options(options), json_content_type,
            pod ? "pods" : "trainingjobs"};
  }
  case write_verb::create_service:
    return {"POST", services_resource().collection_path(ns), w.body, json_content_type, "services"};
  case write_verb::patch_job_status:
    return {"PATCH", training_jobs_resource(api_group).object_path(ns, w.name, "status"), w.body,
            merge_patch_content_type, "trainingjobs"};
  case write_verb::patch_job:
    return {"PATCH", training_jobs_resource(api_group).object_path(ns, w.name), w.body,
            merge_patch_content_type, "trainingjobs"};
  case write_verb::create_event:
    return {"POST", events_resource().collection_path(ns), w.body, json_content_type, "events"};
  }
  return {};
}

status send_write(rest_client& rest, const write& w, const std::string& api_group,
                  const std::shared_ptr<const write_fence>& fence) {
  const auto req = to_http_request(w, api_group);
  std::function<bool()> may_send;
  if (fence)
    may_send = [fence] { return fence->open(); };
  auto answer = rest.call(req.method, req.path, {}, req.body, req.content_type, std::move(may_send));
  if (!answer)
    return answer.err();
  return ok_v;
}

} // namespace lattice::k8s::client
