#include "app/operator_runtime.hpp"

#include "actors/actor_clock.hpp"
#include "actors/autoscaler.hpp"
#include "actors/gateway.hpp"
#include "actors/router.hpp"
#include "actors/throughput_probe.hpp"
#include "actors/write_dispatcher.hpp"
#include "app/leadership.hpp"
#include "app/metrics_auth_client.hpp"
#include "app/watchers.hpp"
#include "config/field_setters.hpp"
#include "config/version.hpp"
#include "k8s/auth/in_cluster.hpp"
#include "k8s/client/make_client.hpp"
#include "observability/debug_routes.hpp"
#include "observability/http_server.hpp"
#include "observability/metrics.hpp"
#include "observability/metrics_auth.hpp"
#include "observability/probes.hpp"
#include "observability/server_tls.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <malloc.h>
#include <memory>
#include <optional>
#include <pthread.h>
#include <thread>

namespace lattice::app {
namespace {

constexpr auto ask_timeout = std::chrono::seconds(5);

std::string default_operator_image() {
  return std::string("breezeml.jfrog.io/breezeml-docker/lattice-operator:") + lattice::version;
}

actors::job_settings job_settings_from(const config::operator_config& cfg, protocol::gateway_actor writes,
                                       std::size_t gateway_count, protocol::autoscaler_actor autoscaler,
                                       std::shared_ptr<observability::metrics> metrics,
                                       std::shared_ptr<base::clock> clock) {
  actors::job_settings js;
  auto& c = js.config;
  c.api_group = cfg.api_group;
  c.operator_image = cfg.operator_image.empty() ? default_operator_image() : cfg.operator_image;
  c.gpu_resource = cfg.autoscaler.gpu_resource;
  c.bind_pods_at_create = cfg.autoscaler.bind_pods_at_create;
  // The first plan comes a debounce after the job is seen, plus the plan
  // itself and a burst's other messages: a few debounces, at least a second.
  c.first_status_hold = std::max(std::chrono::milliseconds(1'000), 5 * cfg.autoscaler.plan_debounce);
  c.requeue.requeue_timeout = cfg.autoscaler.requeue_timeout;
  c.requeue.cooldown_base = cfg.autoscaler.cooldown_base;
  c.requeue.cooldown_max = cfg.autoscaler.cooldown_max;
  c.rendezvous_node_selector = config::setters::parse_label_list(cfg.rendezvous_node_selector);
  c.rendezvous_tolerations_json = cfg.rendezvous_tolerations;
  c.identity = cfg.identity;
  c.agent_status_port = cfg.throughput.agent_status_port;
  c.throughput_max_age = cfg.autoscaler.policy.throughput_max_age;
  js.throughput_poll_interval = cfg.throughput.poll_interval;
  js.watch_namespace = cfg.watch_namespace;
  js.writes = std::move(writes);
  js.gateway_count = gateway_count;
  js.autoscaler = std::move(autoscaler);
  js.metrics = std::move(metrics);
  js.clock = std::move(clock);
  return js;
}

/// Asks the router (from a server thread) for one actor's state or the list.
observability::debug_provider debug_provider_for(caf::actor_system& sys,
                                                 const protocol::router_actor& router) {
  observability::debug_provider p;
  p.inspect = [&sys, router](const std::string& kind, const std::string& key) -> observability::debug_answer {
    caf::scoped_actor self{sys};
    observability::debug_answer answer = observability::debug_answer::unavailable("no answer");
    self->request(router, ask_timeout, atoms::inspect_atom_v, kind, key)
        .receive(
            [&](std::string& json) { answer = observability::debug_answer(std::move(json)); },
            [&](caf::error& err) { answer = observability::debug_answer::unavailable(sys.render(err)); });
    return answer;
  };
  p.actors = [&sys, router]() -> observability::debug_answer {
    caf::scoped_actor self{sys};
    observability::debug_answer answer = observability::debug_answer::unavailable("no answer");
    self->request(router, ask_timeout, atoms::summary_atom_v)
        .receive(
            [&](std::string& json) { answer = observability::debug_answer(std::move(json)); },
            [&](caf::error& err) { answer = observability::debug_answer::unavailable(sys.render(err)); });
    return answer;
  };
  return p;
}

/// /healthz: the actor system answers a request through the autoscaler.
bool actors_responsive(caf::actor_system& sys, const protocol::autoscaler_actor& autoscaler) {
  caf::scoped_actor self{sys};
  bool ok = false;
  self->request(autoscaler, std::chrono::seconds(2), atoms::summary_atom_v)
      .receive([&](std::string&) { ok = true; }, [&](caf::error&) { ok = false; });
  return ok;
}

std::unique_ptr<observability::http_server> make_server(const std::string& name, const std::string& address,
                                                        int port, const config::operator_config& cfg,
                                                        observability::metrics& metrics,
                                                        std::shared_ptr<boost::asio::ssl::context> tls = {}) {
  observability::http_server_options o;
  o.name = name;
  o.address = address;
  o.port = static_cast<std::uint16_t>(port);
  o.max_connections = static_cast<std::size_t>(cfg.server.http_max_connections);
  o.observer = metrics.http_observer(name);
  o.tls = std::move(tls);
  return std::make_unique<observability::http_server>(o);
}

/// Every API request attempt into lattice_api_requests_total, its latency
/// and its wait for a rate-limiter token.
std::function<void(const k8s::client::request_record&)>
api_metrics_observer(std::shared_ptr<observability::metrics> metrics) {
  return [metrics](const k8s::client::request_record& r) {
    const auto code = r.status == 0 ? std::string("error") : std::to_string(r.status);
    metrics->api_request(r.verb, r.resource, code).Increment();
    metrics->api_request_duration(r.verb, r.resource)
        .Observe(std::chrono::duration<double>(r.duration).count());
    metrics->api_rate_limiter_wait(r.verb, r.resource)
        .Observe(std::chrono::duration<double>(r.throttled).count());
  };
}

/// Waits for SIGTERM or SIGINT (blocked in every thread) and returns it.
/// Meanwhile hands the heap's free pages back to the kernel every 30 s:
/// glibc keeps them after a burst (a LIST of every pod, thousands of status
/// writes at once) and RSS is what the container's memory limit counts.
int wait_for_shutdown_signal(const sigset_t& signals) {
  const timespec trim_period{30, 0};
  for (;;) {
    int sig = sigtimedwait(&signals, nullptr, &trim_period);
    if (sig > 0)
      return sig;
    malloc_trim(0); // timed out (EAGAIN) or interrupted (EINTR)
  }
}

} // namespace

int run_operator(const config::operator_config& cfg) {
  // Block the shutdown signals before any thread exists, so every thread
  // inherits the mask and the main thread alone takes them in sigtimedwait().
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto cluster = k8s::auth::load_cluster_config(cfg.api);
  if (!cluster) {
    spdlog::error("cannot configure the API client: {}", cluster.err().to_string());
    return 1;
  }
  // Every request (the Lease's too) names this replica: the audit log tells
  // the replicas apart by it (docs/testing.md, "Audit log").
  cluster.value().user_agent = k8s::client::operator_user_agent(lattice::version, cfg.identity);
  std::shared_ptr<boost::asio::ssl::context> metrics_tls;
  if (cfg.server.metrics_tls) {
    try {
      metrics_tls = observability::make_server_tls_context(cfg.server.metrics_cert_dir);
    } catch (const std::exception& e) {
      spdlog::error("--metrics-tls: {}", e.what());
      return 1;
    }
  }
  auto metrics = std::make_shared<observability::metrics>();
  auto rest = k8s::client::make_rest_client(cfg.api, cluster.value(), api_metrics_observer(metrics));
  if (!rest) {
    spdlog::error("cannot create the API client: {}", rest.err().to_string());
    return 1;
  }

  caf::actor_system_config sys_cfg;
  // Work sharing (one queue, workers sleep on a condition variable) instead
  // of CAF's default work stealing, whose idle workers poll every few
  // milliseconds: an idle operator then uses ~0.01 core instead of ~0.12,
  // which matters under the chart's 100m CPU limit. A few threads are plenty
  // for the operator's actors; more would only contend on that one queue.
  sys_cfg.set("scheduler.policy", caf::atom("sharing"));
  sys_cfg.set("scheduler.max-threads", std::clamp<std::size_t>(std::thread::hardware_concurrency(), 2, 4));
  caf::actor_system sys{sys_cfg};
  // One clock for every actor: CAF's for steady time, the system's for wall time.
  auto clock = std::make_shared<actors::actor_clock>(sys.clock(), base::system_clock());
  // Closed until this replica holds the Lease (leadership opens it for good
  // when leader election is off).
  auto fence = std::make_shared<k8s::client::write_fence>();
  auto gateways = actors::spawn_gateways(sys, {rest.value(), cfg.api_group, fence},
                                         static_cast<std::size_t>(cfg.api.concurrency));
  auto writes = actors::spawn_write_dispatcher(sys, gateways, actors::default_frees_wait, metrics);
  auto as = actors::settings_from(cfg);
  as.metrics = metrics;
  as.clock = clock;
  as.writes = writes;
  auto autoscaler = actors::spawn_autoscaler(sys, as);
  auto js = job_settings_from(cfg, writes, gateways.size(), autoscaler, metrics, clock);
  if (cfg.throughput.poll_interval > std::chrono::milliseconds(0))
    js.probes = actors::spawn_probes(sys, static_cast<std::size_t>(cfg.throughput.probe_concurrency),
                                     cfg.throughput.probe_timeout);
  const auto probes = js.probes;
  auto router = actors::spawn_router(sys, std::move(js));

  leadership lead(router, writes, fence, metrics, cfg.leader_election.enabled);
  watchers watches(
      rest.value(), cfg.api_group, cfg.watch_namespace, router, metrics, [&lead] { lead.on_synced(); },
      cfg.watch_stall_window);

  auto metrics_server =
      make_server("metrics", cfg.server.bind_address, cfg.server.metrics_port, cfg, *metrics, metrics_tls);
  auto serve_metrics = observability::metrics_route(metrics->shared_registry());
  observability::http_handler metrics_handler = [&watches, metrics,
                                                 serve_metrics](const observability::http_request& req) {
    watches.export_stats(*metrics);
    return serve_metrics(req);
  };
  if (cfg.server.metrics_auth)
    metrics_handler = observability::require_metrics_auth(
        std::make_shared<observability::metrics_authorizer>(review_post_over(rest.value())),
        std::move(metrics_handler));
  metrics_server->route("/metrics", std::move(metrics_handler));
  auto probe_server = make_server("probe", cfg.server.bind_address, cfg.server.probe_port, cfg, *metrics);
  observability::add_probe_routes(
      *probe_server, [&sys, autoscaler] { return actors_responsive(sys, autoscaler); },
      [&watches, &lead] {
        return observability::readiness{watches.sync_state(), lead.role()};
      });
  auto debug_server = make_server("debug", cfg.server.debug_address, cfg.server.debug_port, cfg, *metrics);
  observability::add_debug_routes(*debug_server, debug_provider_for(sys, router));
  int exit_code = 0;
  try {
    metrics_server->start();
    probe_server->start();
    debug_server->start();
    spdlog::info("serving /metrics on {}://{}:{}{}, probes on {}:{}, debug on {}:{}",
                 cfg.server.metrics_tls ? "https" : "http", cfg.server.bind_address, metrics_server->port(),
                 cfg.server.metrics_auth ? " (TokenReview and SubjectAccessReview of each scraper)" : "",
                 cfg.server.bind_address, probe_server->port(), cfg.server.debug_address,
                 debug_server->port());
    watches.start();
    if (cfg.leader_election.enabled)
      lead.start_election(cfg, cluster.value());
    int sig = wait_for_shutdown_signal(signals);
    spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  } catch (const std::exception& e) {
    spdlog::error("startup failed: {}", e.what());
    exit_code = 1;
  }
  // Bounded whatever is queued (docs/design/operator.md, "Shutdown").
  lead.stop(); // releases the Lease first (its own API client): a standby takes over at once
  // Queued writes are dropped, not sent: the next leader re-reconciles from
  // the cluster. Cancelling the shared client makes each gateway answer its
  // backlog at once (no request, no rate-limiter wait), aborts the requests
  // in flight and ends a reflector's LIST page.
  rest.value()->cancel();
  watches.stop();
  debug_server->stop();
  probe_server->stop();
  metrics_server->stop();
  caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(autoscaler, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(writes, caf::exit_reason::user_shutdown); // answers its backlog "cancelled"
  for (auto& g : gateways)
    caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
  for (const auto& p : probes) // each finishes its request in flight (a deadline of seconds) first
    caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
  // ~actor_system now waits for every actor: the gateways drain their
  // mailboxes in microseconds, the job and node actors stop with the router.
  return exit_code;
}

} // namespace lattice::app
