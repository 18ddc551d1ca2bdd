#pragma once

#include "scheduling/planner_config.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace lattice::config {

using milliseconds = std::chrono::milliseconds;

enum class log_format { text, json };

/// Leader election on a coordination.k8s.io Lease (client-go's defaults).
struct leader_election_config {
  bool enabled = false;
  std::string lease_name = "lattice-operator";
  /// Empty: the operator's own namespace (POD_NAMESPACE), else "default".
  std::string lease_namespace;
  // Shorter than client-go's 15s/10s/2s: a crashed leader (no release) is
  // replaced within lease_duration + retry_period, under 15 s.
  milliseconds lease_duration{10'000};
  milliseconds renew_deadline{7'000};
  milliseconds retry_period{2'000};
};

/// How the operator talks to the API server.
struct api_client_config {
  /// Empty: in-cluster configuration.
  std::string kubeconfig;
  /// Empty: the kubeconfig's current context.
  std::string context;
  /// The client-side token bucket. High enough that a burst's pod creates
  /// are not held back by it (a 60-job burst is ~1,000 creates): the API
  /// server protects itself with API Priority and Fairness, which queues
  /// or rejects (429, retried) by its own measure of load.
  double qps = 500.0;
  int burst = 1000;
  milliseconds request_timeout{30'000};
  /// API writes in flight at once (one gateway thread each). A job's own
  /// writes stay ordered on one of them; its pod writes spread over all.
  int concurrency = 16;
};

/// The autoscaler's tunables (DESIGN.md, "Autoscaler rules").
struct autoscaler_config {
  std::string gpu_resource = "nvidia.com/gpu";
  /// Rule 5: how long a pod may stay Pending before the job is requeued.
  milliseconds requeue_timeout{120'000};
  /// Rule 5: first cooldown after a schedule failure; doubles per repeat.
  milliseconds cooldown_base{60'000};
  milliseconds cooldown_max{900'000};
  /// Rule 6: minimum time between two resizes of one job.
  milliseconds rescale_interval{180'000};
  /// Events arriving within this window are folded into one re-plan.
  milliseconds plan_debounce{200};
  /// Worker pods are created bound to the node the plan placed them on
  /// (spec.nodeName, besides the required node affinity): no
  /// kube-scheduler round trip, but also no kube-scheduler check of the
  /// pin; the kubelet still admits or rejects the pod.
  bool bind_pods_at_create = false;
  /// The growth policy's knobs (docs/design/planner.md); gpu_resource and
  /// rescale_interval above are copied over it.
  scheduling::planner_config policy;
};

struct server_config {
  std::string bind_address = "0.0.0.0";
  int metrics_port = 8080;
  int probe_port = 8081;
  /// Loopback-only by default: the debug port shows internal state.
  std::string debug_address = "127.0.0.1";
  int debug_port = 8082;
  /// Connections open at once on each of the three ports; one more is
  /// answered 503 and closed.
  int http_max_connections = 256;
  /// Scrapes of /metrics must carry a bearer token that a TokenReview
  /// authenticates and whose user a SubjectAccessReview allows to GET the
  /// non-resource URL /metrics; otherwise 401 or 403.
  bool metrics_auth = false;
  /// Serve /metrics over HTTPS (TLS 1.2+).
  bool metrics_tls = false;
  /// tls.crt and tls.key for metrics_tls; empty: a self-signed certificate
  /// made at start.
  std::string metrics_cert_dir;
};

/// Reading each running injected job's throughput from its agent
/// (docs/design/planner.md, "Goodput-aware growth: throughput reports").
struct throughput_config {
  /// How often each job's agent is asked; 0: never.
  milliseconds poll_interval{30'000};
  /// The agents' status port (LATTICE_AGENT_STATUS_PORT of injected pods).
  int agent_status_port = 29410;
  /// Deadline of one request to an agent (connect, send, answer).
  milliseconds probe_timeout{2'000};
  /// Requests to agents in flight at once (one thread each).
  int probe_concurrency = 4;
};

struct logging_config {
  std::string level = "info";
  log_format format = log_format::text;
};

/// The operator's whole configuration after flags, environment and the
/// optional YAML file have been merged and validated.
struct operator_config {
  std::string config_file;
  std::string api_group = "breezeml.ai";
  /// Empty: watch TrainingJobs in every namespace.
  std::string watch_namespace;
  /// A watch without progress (event, bookmark, list) for this long makes
  /// /readyz fail: the 5-minute watch timeout plus a minute of margin.
  std::chrono::milliseconds watch_stall_window{std::chrono::minutes(6)};
  /// The identity written to the Lease; defaults to the host (pod) name.
  std::string identity;
  /// The operator's own image: the agent installer init container of
  /// injected pods and rendezvous pods. Empty: the released image of this
  /// version (image/image.env's repository, tag = version).
  std::string operator_image;
  /// Where per-job rendezvous pods run (the chart's nodeSelector and
  /// tolerations): "k=v,k2=v2" and a JSON array of core/v1 Tolerations.
  std::string rendezvous_node_selector;
  std::string rendezvous_tolerations = "[]";
  api_client_config api;
  autoscaler_config autoscaler;
  server_config server;
  logging_config logging;
  throughput_config throughput;
  leader_election_config leader_election;
  /// From LATTICE_LICENSE only (the chart fills it from a Secret): never a
  /// flag, so it cannot show up in `ps`, and never logged.
  std::string license;
};

} // namespace lattice::config
