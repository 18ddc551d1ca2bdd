#pragma once

#include "k8s/client/object_client.hpp"
#include "k8s/codec/decoders.hpp"
#include "k8s/model/event.hpp"

#include <string>

namespace lattice::k8s {

// Single-object decoders in the overload style decode_list uses, so the
// generic object_client<T> can find them.
inline result<training_job> decode_object(std::string_view json, training_job*) {
  return decode_training_job(json);
}
inline result<pod> decode_object(std::string_view json, pod*) {
  return decode_pod(json);
}
inline result<node> decode_object(std::string_view json, node*) {
  return decode_node(json);
}
inline result<service> decode_object(std::string_view json, service*) {
  return decode_service(json);
}
inline result<lease> decode_object(std::string_view json, lease*) {
  return decode_lease(json);
}

} // namespace lattice::k8s

namespace lattice::k8s::client {

/// The typed clients the operator uses, all sharing one rest_client.
struct kind_clients {
  kind_clients(std::shared_ptr<rest_client> client, const std::string& training_job_group);

  object_client<training_job> training_jobs;
  object_client<pod> pods;
  object_client<service> services;
  object_client<node> nodes;
  object_client<lease> leases;
  std::shared_ptr<rest_client> rest;
  /// "<group>/v1", for status update bodies.
  std::string training_job_api_version;

  /// Creates a core/v1 Event (events are write-only for the operator).
  status create_event(const event& ev);

  /// update_status_with_retry for TrainingJobs with the codec's status body.
  result<training_job> update_training_job_status(const std::string& ns, const std::string& name,
                                                  const std::function<bool(training_job&)>& mutate,
                                                  int max_attempts = 5);
};

} // namespace lattice::k8s::client
