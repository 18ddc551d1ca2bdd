#include "k8s/client/kinds.hpp"

namespace lattice::k8s::client {

kind_clients::kind_clients(std::shared_ptr<rest_client> client, const std::string& training_job_group)
    : training_jobs(client, training_jobs_resource(training_job_group)), pods(client, pods_resource()),
      services(client, services_resource()), nodes(client, nodes_resource()),
      leases(client, leases_resource()), rest(client), training_job_api_version(training_job_group + "/v1") {}

status kind_clients::create_event(const event& ev) {
  auto body = rest->call("POST", events_resource().collection_path(ev.namespace_), {}, encode_event(ev),
                         json_content_type);
  if (!body)
    return body.err();
  return ok_v;
}

result<training_job>
kind_clients::update_training_job_status(const std::string& ns, const std::string& name,
                                         const std::function<bool(training_job&)>& mutate, int max_attempts) {
  const auto api_version = training_job_api_version;
  return training_jobs.update_status_with_retry(
      ns, name, mutate,
      [&](const training_job& job) { return encode_training_job_status_update(job, api_version); },
      max_attempts);
}

} // namespace lattice::k8s::client
