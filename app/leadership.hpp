#pragma once

#include "config/operator_config.hpp"
#include "k8s/auth/cluster_config.hpp"
#include "k8s/client/write_fence.hpp"
#include "observability/probes.hpp"
#include "protocol/gateway_actor.hpp"
#include "protocol/router_actor.hpp"

#include <memory>
#include <mutex>
#include <thread>

namespace lattice::k8s::leader {
class leader_elector;
}
namespace lattice::observability {
class metrics;
}

namespace lattice::app {

/// Decides when this replica acts: once every watch has synced AND it holds
/// the Lease (or leader election is off). The router hears set_leader on
/// every change, and forwards it to the autoscaler and the job actors.
///
///   (not synced | standby) --synced and leading--> acting --lease lost--> standby
///
/// Fencing (docs/design/operator.md, "Leader election"): the elector keeps
/// `fence` open only while the Lease is held and renewed in time, so no
/// gateway sends a write past the renew deadline; the write dispatcher
/// hears set_leader on every change of the Lease (synced or not) and drops
/// its backlog when it is lost.
class leadership {
public:
  /// `fence`: the gateways' write fence; opened for good when `elect` is false.
  leadership(protocol::router_actor router, protocol::write_dispatcher_actor writes,
             std::shared_ptr<k8s::client::write_fence> fence, std::shared_ptr<observability::metrics> metrics,
             bool elect);
  ~leadership();

  leadership(const leadership&) = delete;
  leadership& operator=(const leadership&) = delete;

  /// Every watch has listed everything (called once, from a watch thread).
  void on_synced();
  /// Starts the Lease elector on its own thread with its own API client
  /// (short timeouts, so a hung call cannot delay a step-down).
  void start_election(const config::operator_config& cfg, const k8s::auth::cluster_config& cluster);
  /// Releases the Lease if held and joins the elector thread. Idempotent.
  void stop();
  /// For /readyz: leader or standby once known.
  observability::leadership role() const;

private:
  void on_elected(bool leading);
  void announce();

  protocol::router_actor router_;
  protocol::write_dispatcher_actor writes_;
  std::shared_ptr<k8s::client::write_fence> fence_;
  std::shared_ptr<observability::metrics> metrics_;
  bool elect_;
  mutable std::mutex mutex_;
  bool synced_ = false;
  bool leading_ = false;
  bool election_started_ = false;
  bool announced_ = false;
  std::unique_ptr<k8s::leader::leader_elector> elector_;
  std::thread thread_;
};

} // namespace lattice::app
