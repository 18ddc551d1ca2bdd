#include "app/leadership.hpp"

#include "k8s/client/kinds.hpp"
#include "k8s/client/make_client.hpp"
#include "k8s/leader/leader_elector.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

namespace lattice::app {

leadership::leadership(protocol::router_actor router, protocol::write_dispatcher_actor writes,
                       std::shared_ptr<k8s::client::write_fence> fence,
                       std::shared_ptr<observability::metrics> metrics, bool elect)
    : router_(std::move(router)), writes_(std::move(writes)), fence_(std::move(fence)),
      metrics_(std::move(metrics)), elect_(elect), leading_(!elect) {
  if (metrics_)
    metrics_->leader().Set(0);
  if (!elect && fence_)
    fence_->open_for_good();
  caf::anon_send(writes_, protocol::set_leader{!elect});
}

leadership::~leadership() {
  stop();
}

void leadership::on_synced() {
  std::lock_guard<std::mutex> lock(mutex_);
  synced_ = true;
  announce();
}

void leadership::on_elected(bool leading) {
  std::lock_guard<std::mutex> lock(mutex_);
  election_started_ = true;
  leading_ = leading;
  spdlog::info(leading ? "this replica leads" : "this replica stands by");
  // Not gated on the watches' sync: a replica that lost the Lease drops its
  // queued writes now (its fence is closed already).
  caf::anon_send(writes_, protocol::set_leader{leading});
  announce();
}

void leadership::announce() {
  const bool act = synced_ && leading_;
  if (act == announced_)
    return;
  announced_ = act;
  if (metrics_)
    metrics_->leader().Set(act ? 1 : 0);
  caf::anon_send(router_, protocol::set_leader{act});
}

void leadership::start_election(const config::operator_config& cfg,
                                const k8s::auth::cluster_config& cluster) {
  auto api = cfg.api;
  api.request_timeout = std::min(api.request_timeout, cfg.leader_election.renew_deadline / 3);
  auto rest = k8s::client::make_rest_client(api, cluster);
  if (!rest)
    throw std::runtime_error("leader election API client: " + rest.err().to_string());
  k8s::leader::elector_options o;
  o.lease_name = cfg.leader_election.lease_name;
  o.lease_namespace = cfg.leader_election.lease_namespace;
  if (o.lease_namespace.empty()) {
    const char* ns = std::getenv("POD_NAMESPACE");
    o.lease_namespace = ns && *ns ? ns : "default";
  }
  o.identity = cfg.identity;
  o.lease_duration = cfg.leader_election.lease_duration;
  o.renew_deadline = cfg.leader_election.renew_deadline;
  o.retry_period = cfg.leader_election.retry_period;
  spdlog::info("leader election on Lease {}/{} as {}", o.lease_namespace, o.lease_name, o.identity);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    election_started_ = false;
  }
  elector_ = std::make_unique<k8s::leader::leader_elector>(
      k8s::client::lease_client(rest.value()), o, [this](bool l) { on_elected(l); }, base::system_clock(),
      fence_);
  thread_ = std::thread([this] { elector_->run(); });
  // Until the first attempt says otherwise this replica stands by.
  std::lock_guard<std::mutex> lock(mutex_);
  election_started_ = true;
}

void leadership::stop() {
  if (elector_)
    elector_->stop(true);
  if (thread_.joinable())
    thread_.join();
}

observability::leadership leadership::role() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!elect_)
    return observability::leadership::leader;
  if (!election_started_)
    return observability::leadership::unknown;
  return leading_ ? observability::leadership::leader : observability::leadership::standby;
}

} // namespace lattice::app
