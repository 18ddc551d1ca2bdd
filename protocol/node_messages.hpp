#pragma once

#include "k8s/model/node.hpp"
#include "protocol/type_ids.hpp"

#include <caf/meta/type_name.hpp>

#include <string>

// Summary-only inspect(): see protocol/job_messages.hpp.

namespace lattice::protocol {

/// router -> node: the Node as decoded from a watch event.
struct node_observed {
  k8s::node node;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_observed& x) {
  return f(caf::meta::type_name("node_observed"), x.node.meta.name, x.node.meta.resource_version);
}

/// router -> node: the Node was deleted.
struct node_removed {
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_removed& x) {
  return f(caf::meta::type_name("node_removed"), x.name);
}

} // namespace lattice::protocol
