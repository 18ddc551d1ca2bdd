#pragma once

#include "k8s/model/node.hpp"
#include "k8s/model/resource_list.hpp"
#include "lifecycle/node_loss.hpp"
#include "protocol/autoscaler_actor.hpp"
#include "protocol/node_actor.hpp"

#include <caf/actor_system.hpp>

#include <map>
#include <optional>
#include <string>

namespace lattice::actors {

/// What a node actor keeps of one pod bound to its node: enough to sum the
/// requests the planner does not already count.
struct bound_pod {
  std::string uid;
  k8s::resource_list requests;
  /// Holds its resources: not Succeeded/Failed (terminating pods still do).
  bool holds = false;
  /// A live worker of some TrainingJob: the planner counts it through its
  /// job's placement, so it is not part of `used_by_others`.
  bool planned_worker = false;
  /// "ns/name" of the TrainingJob controlling it ("" for other pods): the
  /// jobs told when the node is lost.
  std::string job;
};

struct node_actor_state {
  static inline const char* name = "lattice.node";

  std::string node_name;
  std::string api_group;
  protocol::autoscaler_actor autoscaler;
  /// Told when the node is lost or back (the router; may be unset).
  protocol::node_loss_listener listener;
  std::optional<k8s::node> node;
  /// What the jobs were last told of the node.
  lifecycle::node_loss loss = lifecycle::node_loss::none;
  /// The NotReady timer: armed while the node is not Ready and not yet
  /// unresponsive; a fired timer of another generation is stale.
  std::uint64_t unready_generation = 0;
  bool unready_armed = false;
  std::map<std::string, bound_pod> pods;
  /// What the autoscaler was last told.
  std::string sent_fingerprint;
  std::uint64_t updates_sent = 0;
};

/// One actor per Node: capacity, readiness, cordon and taints from the Node
/// watch, usage from the pods bound to it; sends a node_state to the
/// autoscaler whenever the planner's view of the node changes, node_gone
/// when the Node is deleted. The jobs with pods bound to it hear (through
/// `listener`) when it is lost: deleted, or NotReady for
/// lifecycle::unresponsive_node_after; and when it is Ready again.
///
///  [unknown] --node_observed--> [known] --node_removed--> (node_gone, node_lost deleted, quit)
///      ^ pods bound before the     |  ^
///        Node is seen are kept     |  | Ready: node_lost none (if it was unresponsive)
///        and counted once it is    v  |
///                        [NotReady] --unresponsive_node_after--> [unresponsive]: node_lost unresponsive
protocol::node_actor::behavior_type node_actor(protocol::node_actor::stateful_pointer<node_actor_state> self,
                                               std::string node_name, std::string api_group,
                                               protocol::autoscaler_actor autoscaler,
                                               protocol::node_loss_listener listener);

protocol::node_actor spawn_node_actor(caf::actor_system& sys, std::string node_name, std::string api_group,
                                      protocol::autoscaler_actor autoscaler,
                                      protocol::node_loss_listener listener = {});

/// The pods' requests the planner does not see through a job: every pod
/// that holds resources and is not a planned worker.
k8s::resource_list used_by_others(const std::map<std::string, bound_pod>& pods);

/// The inspect answer of a node actor.
std::string inspect_json(const node_actor_state& st, std::size_t mailbox_size, bool full);

} // namespace lattice::actors
