#pragma once

#include "actors/job_settings.hpp"
#include "protocol/job_actor.hpp"
#include "protocol/node_actor.hpp"
#include "protocol/router_actor.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace lattice::actors {

struct router_state {
  static inline const char* name = "lattice.router";

  /// Handed to every job actor it spawns (autoscaler, gateways, group, ...).
  job_settings job;
  /// `job` as every job actor shares it.
  std::shared_ptr<const job_settings> shared_job;
  bool leader = false;
  std::map<std::string, protocol::job_actor> jobs;
  std::map<std::string, protocol::node_actor> nodes;
  /// Pods of jobs whose TrainingJob has not been observed yet (the pod
  /// watch may deliver before the job watch), by job key then pod name;
  /// handed over when the job actor is spawned.
  std::map<std::string, std::map<std::string, k8s::pod>> waiting_pods;
  /// Nodes deleted lately, and when: pod events still naming one (its pods
  /// terminating, then deleted by PodGC) go to no node actor, or they would
  /// bring back an actor for a node that no longer exists, never to quit.
  std::map<std::string, base::steady_time> removed_nodes;
  std::uint64_t events = 0;

  /// Pods held in waiting_pods, over all jobs.
  std::size_t waiting_pod_count() const;
};

/// The router (docs/design/operator.md "Actors and messages"): the watch
/// threads send it every decoded event; it spawns a job actor per
/// TrainingJob and a node actor per Node, routes pods to the job that
/// controls them (controller ownerReference of kind TrainingJob in the
/// configured group) and to the node they are bound to, stops actors when
/// their object is deleted, and forwards leadership to every job actor and
/// the autoscaler. Inspection requests are answered by asking the actors.
protocol::router_actor::behavior_type router(protocol::router_actor::stateful_pointer<router_state> self,
                                             job_settings settings);

protocol::router_actor spawn_router(caf::actor_system& sys, job_settings settings);

/// How long a deleted node's name keeps its pods from any node actor:
/// longer than PodGC takes to delete the pods of a node that is gone.
inline constexpr std::chrono::minutes removed_node_memory{10};

/// "ns/name" of the TrainingJob controlling `pod` in `api_group`, or "" for
/// pods no TrainingJob controls.
std::string controlling_job_key(const k8s::pod& pod, const std::string& api_group);

} // namespace lattice::actors
