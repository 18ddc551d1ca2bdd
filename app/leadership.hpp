#pragma once

#include "config/operator_config.hpp"
#include "k8s/auth/cluster_config.hpp"
#include "observability/probes.hpp"
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
class leadership {
public:
  leadership(protocol::router_actor router, std::shared_ptr<observability::metrics> metrics, bool elect);
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
