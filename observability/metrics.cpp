#include "observability/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <cstddef>
#include <stdexcept>
#include <utility>

namespace lattice::observability {

namespace {

/// Indexes into the catalogue; keep in the catalogue's order.
enum metric_id : std::size_t {
  jobs_id,
  queue_length_id,
  queue_oldest_age_id,
  gpus_allocatable_id,
  gpus_allocated_id,
  admissions_id,
  resizes_id,
  preemptions_id,
  requeues_id,
  job_failures_id,
  plan_duration_id,
  apply_to_running_id,
  apply_to_created_id,
  admission_wait_id,
  api_requests_id,
  api_request_duration_id,
  api_rate_limiter_wait_id,
  write_queue_length_id,
  write_queue_wait_id,
  watch_restarts_id,
  watch_relists_id,
  decode_errors_id,
  actors_id,
  actor_mailbox_size_id,
  leader_id,
  http_connections_rejected_id,
  http_accept_pauses_id,
  metric_count,
};

using hist_buckets = prometheus::Histogram::BucketBoundaries;

// Planning is pure CPU work over a snapshot: sub-millisecond to seconds.
const hist_buckets plan_buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
// Pods go from created to Running in seconds to minutes (image pulls).
const hist_buckets apply_buckets{0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600};
// Pod creates: a round trip per pod, 16 in flight; the target is 2 s for 64.
// A restart at a new size waits for the old pods to go: up to minutes.
const hist_buckets create_buckets{0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 120, 300};
// Queue waits: from an empty cluster's sub-second admission to hours.
const hist_buckets wait_buckets{0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400};
// API server round trips.
const hist_buckets api_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
// Waits before a request leaves (a rate-limiter token, a free gateway): none
// at all on a quiet cluster, seconds behind a burst's thousands of writes.
const hist_buckets queue_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                 0.25,   0.5,   1,      2.5,   5,    10,    30};

} // namespace

const std::vector<metric_spec>& metric_catalogue() {
  using k = metric_kind;
  static const std::vector<metric_spec> catalogue{
      {"lattice_jobs", k::gauge, "TrainingJobs by namespace and stage.", {"namespace", "stage"}},
      {"lattice_queue_length", k::gauge, "TrainingJobs waiting in the autoscaler's queue.", {}},
      {"lattice_queue_oldest_job_age_seconds",
       k::gauge,
       "Seconds the oldest waiting TrainingJob has been queued (0 when the queue is empty).",
       {}},
      {"lattice_gpus_allocatable",
       k::gauge,
       "GPUs allocatable on the schedulable nodes of a node group.",
       {"node_group"}},
      {"lattice_gpus_allocated",
       k::gauge,
       "GPUs requested by the operator's running pods in a node group.",
       {"node_group"}},
      {"lattice_admissions_total", k::counter, "TrainingJobs admitted from the queue by the autoscaler.", {}},
      {"lattice_resizes_total",
       k::counter,
       "Elastic resizes of running TrainingJobs by direction (up or down).",
       {"direction"}},
      {"lattice_preemptions_total",
       k::counter,
       "TrainingJobs preempted by the autoscaler, by reason.",
       {"reason"}},
      {"lattice_requeues_total", k::counter, "TrainingJobs put back into the queue, by reason.", {"reason"}},
      {"lattice_job_failures_total",
       k::counter,
       "TrainingJobs that reached the Failed stage, by reason.",
       {"reason"}},
      {"lattice_plan_duration_seconds", k::histogram, "Time the autoscaler took to compute one plan.", {}},
      {"lattice_apply_to_running_seconds",
       k::histogram,
       "Time from applying a scheduling decision until all of the job's pods are Running.",
       {}},
      {"lattice_apply_to_created_seconds",
       k::histogram,
       "Time from applying a scheduling decision until every worker pod it places is created "
       "(decisions that create pods only).",
       {}},
      {"lattice_admission_wait_seconds",
       k::histogram,
       "Time a TrainingJob waited in the queue before admission, from when this replica first saw it "
       "waiting (or its requeue or preemption).",
       {}},
      {"lattice_api_requests_total",
       k::counter,
       "Kubernetes API requests by verb, resource and HTTP status code (0: no response).",
       {"verb", "resource", "code"}},
      {"lattice_api_request_duration_seconds",
       k::histogram,
       "Latency of Kubernetes API requests.",
       {"verb", "resource"}},
      {"lattice_api_rate_limiter_wait_seconds",
       k::histogram,
       "Time a Kubernetes API request attempt waited for a token of the operator's client-side rate limiter "
       "(--api-qps, --api-burst) before it was sent.",
       {"verb", "resource"}},
      {"lattice_write_queue_length",
       k::gauge,
       "API writes queued in the operator, waiting for a free API connection, by class (start_pods: pod "
       "creates; free_gpus: deletes of live pods; bookkeeping: status writes, Events, Services, the rest).",
       {"class"}},
      {"lattice_write_queue_wait_seconds",
       k::histogram,
       "Time an API write waited in the operator's queue for a free API connection, by class.",
       {"class"}},
      {"lattice_watch_restarts_total",
       k::counter,
       "Watches restarted after they ended or failed, by resource.",
       {"resource"}},
      {"lattice_watch_relists_total",
       k::counter,
       "Full relists after a watch lost its resourceVersion (410 Gone), by resource.",
       {"resource"}},
      {"lattice_decode_errors_total",
       k::counter,
       "Objects the operator's decoder refused and skipped (each version once), by kind; a refused "
       "TrainingJob gets the InvalidSpec condition.",
       {"kind"}},
      {"lattice_actors", k::gauge, "Live actors by kind.", {"kind"}},
      {"lattice_actor_mailbox_size", k::gauge, "Messages waiting in an actor's mailbox.", {"actor"}},
      {"lattice_leader", k::gauge, "1 while this replica is the leader, 0 while it is a standby.", {}},
      {"lattice_http_connections_rejected_total",
       k::counter,
       "Connections to an HTTP port (metrics, probe, debug) answered 503 and closed because the port's "
       "connection limit was reached.",
       {"server"}},
      {"lattice_http_accept_pauses_total",
       k::counter,
       "Failed accepts on an HTTP port (out of file descriptors or memory) after which accepting paused.",
       {"server"}},
  };
  return catalogue;
}

struct metrics::families {
  std::vector<prometheus::Family<prometheus::Counter>*> counters;
  std::vector<prometheus::Family<prometheus::Gauge>*> gauges;
  std::vector<prometheus::Family<prometheus::Histogram>*> histograms;

  explicit families(prometheus::Registry& registry)
      : counters(metric_count, nullptr), gauges(metric_count, nullptr), histograms(metric_count, nullptr) {
    const auto& catalogue = metric_catalogue();
    if (catalogue.size() != metric_count)
      throw std::logic_error("metric catalogue and metric_id disagree");
    for (std::size_t id = 0; id < metric_count; ++id) {
      const auto& spec = catalogue[id];
      switch (spec.kind) {
      case metric_kind::counter:
        counters[id] = &prometheus::BuildCounter().Name(spec.name).Help(spec.help).Register(registry);
        break;
      case metric_kind::gauge:
        gauges[id] = &prometheus::BuildGauge().Name(spec.name).Help(spec.help).Register(registry);
        break;
      case metric_kind::histogram:
        histograms[id] = &prometheus::BuildHistogram().Name(spec.name).Help(spec.help).Register(registry);
        break;
      }
    }
  }

  prometheus::Counter& counter(metric_id id, const prometheus::Labels& labels = {}) {
    return counters[id]->Add(labels);
  }
  prometheus::Gauge& gauge(metric_id id, const prometheus::Labels& labels = {}) {
    return gauges[id]->Add(labels);
  }
  prometheus::Histogram& histogram(metric_id id, const hist_buckets& buckets,
                                   const prometheus::Labels& labels = {}) {
    return histograms[id]->Add(labels, buckets);
  }
};

metrics::metrics()
    : registry_(std::make_shared<prometheus::Registry>()), families_(std::make_unique<families>(*registry_)) {
  // Unlabelled series exist from the start so dashboards see 0, not "no data".
  queue_length();
  queue_oldest_age();
  admissions();
  plan_duration();
  apply_to_running_latency();
  apply_to_created_latency();
  admission_wait();
  leader();
}

metrics::~metrics() = default;

prometheus::Gauge& metrics::job_stage(const std::string& ns, const std::string& stage) {
  return families_->gauge(jobs_id, {{"namespace", ns}, {"stage", stage}});
}
prometheus::Gauge& metrics::queue_length() {
  return families_->gauge(queue_length_id);
}
prometheus::Gauge& metrics::queue_oldest_age() {
  return families_->gauge(queue_oldest_age_id);
}
prometheus::Gauge& metrics::gpus_allocatable(const std::string& node_group) {
  return families_->gauge(gpus_allocatable_id, {{"node_group", node_group}});
}
prometheus::Gauge& metrics::gpus_allocated(const std::string& node_group) {
  return families_->gauge(gpus_allocated_id, {{"node_group", node_group}});
}
prometheus::Counter& metrics::admissions() {
  return families_->counter(admissions_id);
}
prometheus::Counter& metrics::resizes(const std::string& direction) {
  return families_->counter(resizes_id, {{"direction", direction}});
}
prometheus::Counter& metrics::preemptions(const std::string& reason) {
  return families_->counter(preemptions_id, {{"reason", reason}});
}
prometheus::Counter& metrics::requeues(const std::string& reason) {
  return families_->counter(requeues_id, {{"reason", reason}});
}
prometheus::Counter& metrics::job_failures(const std::string& reason) {
  return families_->counter(job_failures_id, {{"reason", reason}});
}
prometheus::Histogram& metrics::plan_duration() {
  return families_->histogram(plan_duration_id, plan_buckets);
}
prometheus::Histogram& metrics::apply_to_running_latency() {
  return families_->histogram(apply_to_running_id, apply_buckets);
}
prometheus::Histogram& metrics::apply_to_created_latency() {
  return families_->histogram(apply_to_created_id, create_buckets);
}
prometheus::Histogram& metrics::admission_wait() {
  return families_->histogram(admission_wait_id, wait_buckets);
}
prometheus::Counter& metrics::api_request(const std::string& verb, const std::string& resource,
                                          const std::string& code) {
  return families_->counter(api_requests_id, {{"verb", verb}, {"resource", resource}, {"code", code}});
}
prometheus::Histogram& metrics::api_request_duration(const std::string& verb, const std::string& resource) {
  return families_->histogram(api_request_duration_id, api_buckets, {{"verb", verb}, {"resource", resource}});
}
prometheus::Histogram& metrics::api_rate_limiter_wait(const std::string& verb, const std::string& resource) {
  return families_->histogram(api_rate_limiter_wait_id, queue_buckets,
                              {{"verb", verb}, {"resource", resource}});
}
prometheus::Gauge& metrics::write_queue_length(const std::string& write_class) {
  return families_->gauge(write_queue_length_id, {{"class", write_class}});
}
prometheus::Histogram& metrics::write_queue_wait(const std::string& write_class) {
  return families_->histogram(write_queue_wait_id, queue_buckets, {{"class", write_class}});
}
prometheus::Counter& metrics::watch_restarts(const std::string& resource) {
  return families_->counter(watch_restarts_id, {{"resource", resource}});
}
prometheus::Counter& metrics::watch_relists(const std::string& resource) {
  return families_->counter(watch_relists_id, {{"resource", resource}});
}
prometheus::Counter& metrics::decode_errors(const std::string& kind) {
  return families_->counter(decode_errors_id, {{"kind", kind}});
}
prometheus::Gauge& metrics::actors(const std::string& kind) {
  return families_->gauge(actors_id, {{"kind", kind}});
}
prometheus::Gauge& metrics::actor_mailbox_size(const std::string& actor) {
  return families_->gauge(actor_mailbox_size_id, {{"actor", actor}});
}
prometheus::Gauge& metrics::leader() {
  return families_->gauge(leader_id);
}
prometheus::Counter& metrics::http_connections_rejected(const std::string& server) {
  return families_->counter(http_connections_rejected_id, {{"server", server}});
}
prometheus::Counter& metrics::http_accept_pauses(const std::string& server) {
  return families_->counter(http_accept_pauses_id, {{"server", server}});
}

std::function<void(http_server_event)> metrics::http_observer(const std::string& server) {
  auto& rejected = http_connections_rejected(server);
  auto& paused = http_accept_pauses(server);
  return [&rejected, &paused](http_server_event event) {
    (event == http_server_event::connection_rejected ? rejected : paused).Increment();
  };
}

std::string serialize(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

http_handler metrics_route(std::shared_ptr<prometheus::Registry> registry) {
  return [registry = std::move(registry)](const http_request&) {
    return http_response{200, prometheus_text_content_type, serialize(*registry)};
  };
}

} // namespace lattice::observability
