#include "k8s/client/resource.hpp"

#include "k8s/client/query.hpp"

namespace lattice::k8s::client {

std::string resource::collection_path(const std::string& ns) const {
  std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty())
    path += "/namespaces/" + url_encode(ns);
  return path + "/" + plural;
}

std::string resource::object_path(const std::string& ns, const std::string& name,
                                  const std::string& subresource) const {
  std::string path = collection_path(ns) + "/" + url_encode(name);
  return subresource.empty() ? path : path + "/" + subresource;
}

resource pods_resource() {
  return {"", "v1", "pods", true};
}
resource services_resource() {
  return {"", "v1", "services", true};
}
resource nodes_resource() {
  return {"", "v1", "nodes", false};
}
resource events_resource() {
  return {"", "v1", "events", true};
}
resource leases_resource() {
  return {"coordination.k8s.io", "v1", "leases", true};
}
resource training_jobs_resource(const std::string& group) {
  return {group, "v1", "trainingjobs", true};
}

} // namespace lattice::k8s::client
