#pragma once

#include "k8s/client/rest_client.hpp"
#include "observability/probes.hpp"
#include "protocol/router_actor.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lattice::observability {
class metrics;
}

namespace lattice::app {

/// The three list+watch streams the operator runs on (TrainingJobs in the
/// watched namespace or all, every Pod, every Node), one thread each,
/// feeding the router. `on_all_synced` runs once, on a watch thread, when
/// all three have listed everything.
class watchers {
public:
  /// `stall_window`: how long a watch may make no progress before
  /// sync_state() calls it stuck (--watch-stall-window).
  watchers(std::shared_ptr<k8s::client::rest_client> rest, std::string api_group, std::string watch_namespace,
           protocol::router_actor router, std::shared_ptr<observability::metrics> metrics,
           std::function<void()> on_all_synced,
           std::chrono::milliseconds stall_window = std::chrono::minutes(6));
  ~watchers();

  watchers(const watchers&) = delete;
  watchers& operator=(const watchers&) = delete;

  void start();
  /// Stops every stream and joins the threads. Idempotent.
  void stop();
  /// Per watch: resource name, whether it has synced and how long since it
  /// made progress (for /readyz).
  std::vector<observability::watch_sync> sync_state() const;
  bool all_synced() const;
  /// Adds the reflectors' restarts (watches re-opened) and relists (410
  /// Gone) since the last call to the watch counters. Call before a scrape.
  void export_stats(observability::metrics& m);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace lattice::app
