#pragma once

#include "observability/http_server.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lattice::observability {

enum class metric_kind { counter, gauge, histogram };

/// One family of the catalogue: the single place names and help texts live.
struct metric_spec {
  const char* name;
  metric_kind kind;
  const char* help;
  std::vector<std::string> labels;
};

/// Every metric family the operator exports, in the order they are declared.
const std::vector<metric_spec>& metric_catalogue();

/// Owns the registry and every family of the catalogue, with typed accessors
/// the actors call. Accessors with labels create the series on first use;
/// all are thread-safe (prometheus-cpp locks each family).
class metrics {
public:
  metrics();
  ~metrics();

  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  // Jobs and the queue.
  /// TrainingJobs in `stage` (Pending, Running, ...) in `ns`.
  prometheus::Gauge& job_stage(const std::string& ns, const std::string& stage);
  prometheus::Gauge& queue_length();
  /// Age of the oldest waiting job in seconds (0 when the queue is empty).
  prometheus::Gauge& queue_oldest_age();

  // GPUs per node group.
  prometheus::Gauge& gpus_allocatable(const std::string& node_group);
  prometheus::Gauge& gpus_allocated(const std::string& node_group);

  // Autoscaler decisions.
  prometheus::Counter& admissions();
  /// `direction` is "up" or "down".
  prometheus::Counter& resizes(const std::string& direction);
  prometheus::Counter& preemptions(const std::string& reason);
  prometheus::Counter& requeues(const std::string& reason);
  prometheus::Counter& job_failures(const std::string& reason);
  prometheus::Histogram& plan_duration();
  /// From applying a decision to all its pods Running.
  prometheus::Histogram& apply_to_running_latency();
  /// From applying a decision to every worker pod it places created.
  prometheus::Histogram& apply_to_created_latency();
  /// From queued (first seen, requeued, preempted) to admitted.
  prometheus::Histogram& admission_wait();

  // Kubernetes API.
  prometheus::Counter& api_request(const std::string& verb, const std::string& resource,
                                   const std::string& code);
  prometheus::Histogram& api_request_duration(const std::string& verb, const std::string& resource);
  /// Time a request attempt waited for a token of the client's rate limiter.
  prometheus::Histogram& api_rate_limiter_wait(const std::string& verb, const std::string& resource);
  /// API writes queued in the write dispatcher, not yet given to a gateway,
  /// by class ("start_pods", "free_gpus", "bookkeeping").
  prometheus::Gauge& write_queue_length(const std::string& write_class);
  /// Time a write waited in the dispatcher's queue for a gateway, by class.
  prometheus::Histogram& write_queue_wait(const std::string& write_class);
  prometheus::Counter& watch_restarts(const std::string& resource);
  prometheus::Counter& watch_relists(const std::string& resource);
  /// Objects the decoder refused, by kind (TrainingJob, Pod, Node).
  prometheus::Counter& decode_errors(const std::string& kind);

  // Actor system and leadership.
  /// Live actors of a kind (router, job, autoscaler, ...).
  prometheus::Gauge& actors(const std::string& kind);
  prometheus::Gauge& actor_mailbox_size(const std::string& actor);
  /// 1 while this replica leads, 0 while it stands by.
  prometheus::Gauge& leader();

  // The HTTP ports; `server` is "metrics", "probe" or "debug".
  prometheus::Counter& http_connections_rejected(const std::string& server);
  prometheus::Counter& http_accept_pauses(const std::string& server);
  /// An http_server_options::observer counting a server's events above;
  /// creates both series at once so they read 0, not "no data". The
  /// observer refers into this object: it must outlive the server.
  std::function<void(http_server_event)> http_observer(const std::string& server);

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() const { return registry_; }

private:
  struct families;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<families> families_;
};

/// The registry in the Prometheus text exposition format (0.0.4).
std::string serialize(const prometheus::Registry& registry);

/// Content type of serialize()'s output.
inline constexpr const char* prometheus_text_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// A GET handler answering serialize(*registry); keeps the registry alive.
http_handler metrics_route(std::shared_ptr<prometheus::Registry> registry);

} // namespace lattice::observability
