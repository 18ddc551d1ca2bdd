#pragma once

#include "k8s/model/node.hpp"
#include "protocol/type_ids.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

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

/// node -> router -> job: the node no longer runs the pods bound to it
/// (deleted, or NotReady past lifecycle::unresponsive_node_after), or runs
/// them again (Ready after being unresponsive).
struct node_lost {
  std::string node;
  /// lifecycle::node_loss's value: 0 none (Ready again), 1 unresponsive,
  /// 2 deleted (protocol does not depend on lifecycle).
  std::uint8_t loss = 0;
  /// Keys ("ns/name") of the TrainingJobs with pods bound to the node: the
  /// router forwards the message to each of their actors.
  std::vector<std::string> jobs;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_lost& x) {
  return f(caf::meta::type_name("node_lost"), x.node, x.loss, x.jobs);
}

/// node -> self: the node has stayed NotReady since the timer with
/// `generation` was armed; ignored unless `generation` is current.
struct node_unready_timer {
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_unready_timer& x) {
  return f(caf::meta::type_name("node_unready_timer"), x.generation);
}

} // namespace lattice::protocol
