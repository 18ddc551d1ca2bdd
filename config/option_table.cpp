#include "config/option_table.hpp"

#include "config/field_setters.hpp"

namespace lattice::config {

namespace {

using namespace setters;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// A row's field accessor: a lambda returning the field, spelled once per row
// so each row reads as "this option sets that field".
#define LATTICE_FIELD(type, expr) field_ref<type>([](operator_config& c) -> type& { return expr; })

option_spec make(const std::string& flag, std::string value_name, std::string help, std::string accepted,
                 apply_fn apply, show_fn show, bool is_bool = false) {
  return make_option(flag, std::move(value_name), std::move(help), std::move(accepted), std::move(apply),
                     std::move(show), is_bool);
}

std::vector<option_spec> build_table();

} // namespace

option_spec make_option(const std::string& flag, std::string value_name, std::string help,
                        std::string accepted, std::function<bool(operator_config&, const std::string&)> apply,
                        std::function<std::string(operator_config&)> show, bool is_bool) {
  option_spec spec;
  spec.flag = flag;
  std::string env = "LATTICE_";
  std::string key;
  bool upper_next = false;
  for (char ch : flag) {
    env += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (ch == '-') {
      upper_next = true;
    } else {
      key += upper_next ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch;
      upper_next = false;
    }
  }
  spec.env_vars = {env};
  spec.file_key = key;
  spec.value_name = std::move(value_name);
  spec.help = std::move(help);
  spec.accepted = std::move(accepted);
  spec.apply = std::move(apply);
  spec.show = std::move(show);
  spec.is_bool = is_bool;
  return spec;
}

namespace {

std::vector<option_spec> build_table() {
  std::vector<option_spec> t;
  auto port = [](const field_ref<int>& f) { return integer(f, 1, 65535); };
  const std::string port_range = "an integer from 1 to 65535";
  const std::string day = "a duration from 1s to 24h (e.g. 90s, 5m)";

  // -- connection to the API server
  t.push_back(make("kubeconfig", "PATH",
                   "kubeconfig file for running outside the cluster; in-cluster configuration when unset",
                   "a file path",
                   text(LATTICE_FIELD(std::string, c.api.kubeconfig), [](auto&) { return true; }),
                   show_text(LATTICE_FIELD(std::string, c.api.kubeconfig))));
  t.back().env_vars.emplace_back("KUBECONFIG");
  t.push_back(make("context", "NAME", "kubeconfig context to use instead of its current-context",
                   "a context name",
                   text(LATTICE_FIELD(std::string, c.api.context), [](auto&) { return true; }),
                   show_text(LATTICE_FIELD(std::string, c.api.context))));
  t.push_back(make("api-qps", "NUMBER", "steady API request rate (requests per second), as client-go's QPS",
                   "a number greater than 0 and at most 10000",
                   real(LATTICE_FIELD(double, c.api.qps), 0.0, 10000.0),
                   show_real(LATTICE_FIELD(double, c.api.qps))));
  t.push_back(make("api-burst", "COUNT", "API requests allowed in a burst above --api-qps",
                   "an integer from 1 to 100000", integer(LATTICE_FIELD(int, c.api.burst), 1, 100000),
                   show_integer(LATTICE_FIELD(int, c.api.burst))));
  t.push_back(make("api-concurrency", "COUNT",
                   "API writes in flight at once (gateway threads); pod creates of one job run in parallel",
                   "an integer from 1 to 64", integer(LATTICE_FIELD(int, c.api.concurrency), 1, 64),
                   show_integer(LATTICE_FIELD(int, c.api.concurrency))));
  t.push_back(make("api-timeout", "DURATION", "timeout of one API request (watches excepted)", day,
                   duration(LATTICE_FIELD(milliseconds, c.api.request_timeout), seconds(1), hours(24)),
                   show_duration(LATTICE_FIELD(milliseconds, c.api.request_timeout))));

  // -- what the operator manages
  t.push_back(make("api-group", "GROUP", "API group of the TrainingJob resource (the chart's `group` value)",
                   "a DNS subdomain such as breezeml.ai",
                   text(LATTICE_FIELD(std::string, c.api_group), is_dns_subdomain),
                   show_text(LATTICE_FIELD(std::string, c.api_group))));
  t.push_back(make("namespace", "NAMESPACE",
                   "namespace whose TrainingJobs are managed; all namespaces when empty",
                   "empty or a DNS label such as lattice",
                   text(LATTICE_FIELD(std::string, c.watch_namespace),
                        [](const std::string& v) { return v.empty() || is_dns_label(v); }),
                   show_text(LATTICE_FIELD(std::string, c.watch_namespace))));
  t.push_back(make("watch-stall-window", "DURATION",
                   "how long a watch may make no progress (no event, bookmark or list) before /readyz "
                   "fails; longer than the 5m watch timeout (a shorter window, for tests, takes a quiet "
                   "watch for a stalled one)",
                   "a duration from 10s to 24h",
                   duration(LATTICE_FIELD(milliseconds, c.watch_stall_window), seconds(10), hours(24)),
                   show_duration(LATTICE_FIELD(milliseconds, c.watch_stall_window))));
  t.push_back(make("gpu-resource", "NAME", "extended resource name that counts GPUs",
                   "a resource name such as nvidia.com/gpu",
                   text(LATTICE_FIELD(std::string, c.autoscaler.gpu_resource), is_resource_name),
                   show_text(LATTICE_FIELD(std::string, c.autoscaler.gpu_resource))));

  t.push_back(make("operator-image", "IMAGE",
                   "image of the agent installer init container (injectLattice) and of rendezvous pods; "
                   "the released operator image of this version when empty",
                   "an image reference",
                   text(LATTICE_FIELD(std::string, c.operator_image),
                        [](const std::string& v) { return v.find_first_of(" \t\n") == std::string::npos; }),
                   show_text(LATTICE_FIELD(std::string, c.operator_image))));
  t.push_back(make("rendezvous-node-selector", "LABELS",
                   "nodeSelector of rendezvous pods (the chart's nodeSelector), as k=v,k2=v2",
                   "empty or comma-separated key=value pairs",
                   text(LATTICE_FIELD(std::string, c.rendezvous_node_selector), is_label_list),
                   show_text(LATTICE_FIELD(std::string, c.rendezvous_node_selector))));
  t.push_back(
      make("rendezvous-tolerations", "JSON",
           "tolerations of rendezvous pods (the chart's tolerations), a JSON array",
           "a JSON array of Kubernetes tolerations",
           text(LATTICE_FIELD(std::string, c.rendezvous_tolerations),
                [](const std::string& v) { return !v.empty() && v.front() == '[' && v.back() == ']'; }),
           show_text(LATTICE_FIELD(std::string, c.rendezvous_tolerations))));

  // -- autoscaler rules
  t.push_back(make("bind-pods-at-create", "BOOL",
                   "create worker pods bound to the node the autoscaler placed them on (spec.nodeName, "
                   "keeping the required node affinity): kube-scheduler does not bind them, the kubelet "
                   "still admits or rejects them",
                   "true or false", boolean(LATTICE_FIELD(bool, c.autoscaler.bind_pods_at_create)),
                   show_boolean(LATTICE_FIELD(bool, c.autoscaler.bind_pods_at_create)), true));
  t.push_back(make("requeue-timeout", "DURATION",
                   "how long a worker pod may stay Pending before its job is requeued (rule 5)", day,
                   duration(LATTICE_FIELD(milliseconds, c.autoscaler.requeue_timeout), seconds(1), hours(24)),
                   show_duration(LATTICE_FIELD(milliseconds, c.autoscaler.requeue_timeout))));
  t.push_back(make("cooldown-base", "DURATION",
                   "cooldown after a job's first schedule failure; doubles with each repeat (rule 5)", day,
                   duration(LATTICE_FIELD(milliseconds, c.autoscaler.cooldown_base), seconds(1), hours(24)),
                   show_duration(LATTICE_FIELD(milliseconds, c.autoscaler.cooldown_base))));
  t.push_back(make("cooldown-max", "DURATION",
                   "cap on the growing cooldown (rule 5); at least --cooldown-base", day,
                   duration(LATTICE_FIELD(milliseconds, c.autoscaler.cooldown_max), seconds(1), hours(24)),
                   show_duration(LATTICE_FIELD(milliseconds, c.autoscaler.cooldown_max))));
  t.push_back(
      make("rescale-interval", "DURATION",
           "minimum time between two resizes of a job, except admission and preemption (rule 6)",
           "a duration from 0s to 24h",
           duration(LATTICE_FIELD(milliseconds, c.autoscaler.rescale_interval), seconds(0), hours(24)),
           show_duration(LATTICE_FIELD(milliseconds, c.autoscaler.rescale_interval))));
  t.push_back(make("plan-debounce", "DURATION", "changes arriving within this window share one re-plan",
                   "a duration from 0ms to 1m",
                   duration(LATTICE_FIELD(milliseconds, c.autoscaler.plan_debounce), seconds(0), minutes(1)),
                   show_duration(LATTICE_FIELD(milliseconds, c.autoscaler.plan_debounce))));
  add_policy_options(t);

  // -- throughput reports from the agents
  t.push_back(make("throughput-poll-interval", "DURATION",
                   "how often the operator reads each running injected job's throughput from its agent "
                   "(status.throughput, the planner's scaling fit); 0 disables",
                   "a duration from 0s to 24h",
                   duration(LATTICE_FIELD(milliseconds, c.throughput.poll_interval), seconds(0), hours(24)),
                   show_duration(LATTICE_FIELD(milliseconds, c.throughput.poll_interval))));
  t.push_back(make("agent-status-port", "PORT",
                   "port the agents of injected pods serve their throughput on (LATTICE_AGENT_STATUS_PORT)",
                   port_range, port(LATTICE_FIELD(int, c.throughput.agent_status_port)),
                   show_integer(LATTICE_FIELD(int, c.throughput.agent_status_port))));
  t.push_back(
      make("throughput-probe-timeout", "DURATION", "deadline of one throughput request to an agent",
           "a duration from 100ms to 1m",
           duration(LATTICE_FIELD(milliseconds, c.throughput.probe_timeout), milliseconds(100), minutes(1)),
           show_duration(LATTICE_FIELD(milliseconds, c.throughput.probe_timeout))));
  t.push_back(make("throughput-probe-concurrency", "COUNT",
                   "throughput requests to agents in flight at once (one thread each)",
                   "an integer from 1 to 64",
                   integer(LATTICE_FIELD(int, c.throughput.probe_concurrency), 1, 64),
                   show_integer(LATTICE_FIELD(int, c.throughput.probe_concurrency))));

  // -- servers
  t.push_back(make("bind-address", "IP", "address of the metrics and probe listeners",
                   "an IPv4 or IPv6 address",
                   text(LATTICE_FIELD(std::string, c.server.bind_address), is_ip_address),
                   show_text(LATTICE_FIELD(std::string, c.server.bind_address))));
  t.push_back(make("metrics-port", "PORT", "port of /metrics (the chart's service.internalPort)", port_range,
                   port(LATTICE_FIELD(int, c.server.metrics_port)),
                   show_integer(LATTICE_FIELD(int, c.server.metrics_port))));
  t.push_back(make("probe-port", "PORT", "port of /healthz and /readyz (the chart's service.probePort)",
                   port_range, port(LATTICE_FIELD(int, c.server.probe_port)),
                   show_integer(LATTICE_FIELD(int, c.server.probe_port))));
  t.push_back(
      make("debug-address", "IP", "address of the debug (actor inspection) listener; loopback by default",
           "an IPv4 or IPv6 address", text(LATTICE_FIELD(std::string, c.server.debug_address), is_ip_address),
           show_text(LATTICE_FIELD(std::string, c.server.debug_address))));
  t.push_back(make("debug-port", "PORT", "port of the debug (actor inspection) listener", port_range,
                   port(LATTICE_FIELD(int, c.server.debug_port)),
                   show_integer(LATTICE_FIELD(int, c.server.debug_port))));
  t.push_back(make("http-max-connections", "N",
                   "connections open at once on each HTTP port (metrics, probes, debug); more are answered "
                   "503 and closed",
                   "an integer from 1 to 65536",
                   integer(LATTICE_FIELD(int, c.server.http_max_connections), 1, 65536),
                   show_integer(LATTICE_FIELD(int, c.server.http_max_connections))));
  t.push_back(make("metrics-auth", "",
                   "check each scrape of /metrics: its bearer token with a TokenReview, its user's right to "
                   "get the non-resource URL /metrics with a SubjectAccessReview (401 or 403 otherwise)",
                   "true or false", boolean(LATTICE_FIELD(bool, c.server.metrics_auth)),
                   show_boolean(LATTICE_FIELD(bool, c.server.metrics_auth)), true));
  t.push_back(make("metrics-tls", "", "serve /metrics over HTTPS (TLS 1.2 or later)", "true or false",
                   boolean(LATTICE_FIELD(bool, c.server.metrics_tls)),
                   show_boolean(LATTICE_FIELD(bool, c.server.metrics_tls)), true));
  t.push_back(make(
      "metrics-cert-dir", "DIR",
      "directory holding tls.crt and tls.key for --metrics-tls (a mounted kubernetes.io/tls "
      "Secret); empty: a self-signed certificate made at start",
      "a directory path or empty",
      text(LATTICE_FIELD(std::string, c.server.metrics_cert_dir), [](const std::string&) { return true; }),
      show_text(LATTICE_FIELD(std::string, c.server.metrics_cert_dir))));

  // -- logging
  t.push_back(make("log-level", "LEVEL", "least severe level logged",
                   "one of trace, debug, info, warn, error, critical, off",
                   one_of(LATTICE_FIELD(std::string, c.logging.level),
                          {"trace", "debug", "info", "warn", "error", "critical", "off"}),
                   show_text(LATTICE_FIELD(std::string, c.logging.level))));
  t.push_back(make(
      "log-format", "FORMAT", "log line format", "one of text, json",
      [](operator_config& c, const std::string& v) {
        if (v != "text" && v != "json")
          return false;
        c.logging.format = v == "json" ? log_format::json : log_format::text;
        return true;
      },
      [](operator_config& c) {
        return std::string(c.logging.format == log_format::json ? "json" : "text");
      }));

  // -- leader election
  t.push_back(make("leader-elect", "",
                   "elect a leader on a Lease; only the leader acts (needed when replicas > 1)",
                   "true or false", boolean(LATTICE_FIELD(bool, c.leader_election.enabled)),
                   show_boolean(LATTICE_FIELD(bool, c.leader_election.enabled)), true));
  t.push_back(make("leader-election-id", "NAME", "name of the leader election Lease", "a DNS subdomain",
                   text(LATTICE_FIELD(std::string, c.leader_election.lease_name), is_dns_subdomain),
                   show_text(LATTICE_FIELD(std::string, c.leader_election.lease_name))));
  t.push_back(make("leader-election-namespace", "NAMESPACE",
                   "namespace of the Lease; the operator's own namespace (POD_NAMESPACE) when empty",
                   "empty or a DNS label",
                   text(LATTICE_FIELD(std::string, c.leader_election.lease_namespace),
                        [](const std::string& v) { return v.empty() || is_dns_label(v); }),
                   show_text(LATTICE_FIELD(std::string, c.leader_election.lease_namespace))));
  t.push_back(
      make("lease-duration", "DURATION", "how long a Lease stays valid without renewal",
           "a duration from 1s to 10m",
           duration(LATTICE_FIELD(milliseconds, c.leader_election.lease_duration), seconds(1), minutes(10)),
           show_duration(LATTICE_FIELD(milliseconds, c.leader_election.lease_duration))));
  t.push_back(
      make("renew-deadline", "DURATION", "how long the leader keeps trying to renew before stepping down",
           "a duration from 1s to 10m, less than --lease-duration",
           duration(LATTICE_FIELD(milliseconds, c.leader_election.renew_deadline), seconds(1), minutes(10)),
           show_duration(LATTICE_FIELD(milliseconds, c.leader_election.renew_deadline))));
  t.push_back(make(
      "retry-period", "DURATION", "interval between Lease acquire or renew attempts",
      "a duration from 100ms to 1m, less than --renew-deadline",
      duration(LATTICE_FIELD(milliseconds, c.leader_election.retry_period), milliseconds(100), minutes(1)),
      show_duration(LATTICE_FIELD(milliseconds, c.leader_election.retry_period))));
  t.push_back(make("identity", "NAME", "this replica's name in the Lease; the host name when empty",
                   "any text without spaces",
                   text(LATTICE_FIELD(std::string, c.identity),
                        [](const std::string& v) { return v.find_first_of(" \t\n") == std::string::npos; }),
                   show_text(LATTICE_FIELD(std::string, c.identity))));
  return t;
}

#undef LATTICE_FIELD

} // namespace

const std::vector<option_spec>& option_table() {
  static const std::vector<option_spec> table = build_table();
  return table;
}

const option_spec* find_flag(const std::string& flag) {
  for (const auto& spec : option_table())
    if (spec.flag == flag)
      return &spec;
  return nullptr;
}

const option_spec* find_file_key(const std::string& key) {
  for (const auto& spec : option_table())
    if (spec.file_key == key)
      return &spec;
  return nullptr;
}

} // namespace lattice::config
