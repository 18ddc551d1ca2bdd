#pragma once

#include <string>

namespace lattice::k8s::client {

/// Where a kind lives in the API: /api/v1/... for the core group,
/// /apis/<group>/<version>/... otherwise.
struct resource {
  std::string group;
  std::string version;
  std::string plural;
  bool namespaced = true;

  /// The collection: all namespaces when `ns` is empty (or cluster-scoped).
  std::string collection_path(const std::string& ns = {}) const;
  /// One object, optionally a subresource ("status").
  std::string object_path(const std::string& ns, const std::string& name,
                          const std::string& subresource = {}) const;
};

resource pods_resource();
resource services_resource();
resource nodes_resource();
resource events_resource();
resource leases_resource();
/// TrainingJobs in the configured group (config::operator_config::api_group).
resource training_jobs_resource(const std::string& group);

} // namespace lattice::k8s::client
