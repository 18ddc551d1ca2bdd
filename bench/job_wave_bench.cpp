// A 64-worker creation wave through one job actor: the TrainingJob is
// observed, the autoscaler admits it at 64 workers on 8 nodes, the actor
// sends its 64 pod creates, and the watch reports every pod Pending, then
// Running. Time and heap allocations per wave; figures and the command in
// docs/benchmarks.md, "Job actor: a creation wave".
#include "actors/job_actor.hpp"
#include "alloc_counter.hpp"
#include "k8s/codec/decoders.hpp"
#include "protocol/protocol.hpp"

#include <benchmark/benchmark.h>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace lattice;

constexpr int workers = 64;

const char* const job_json = R"({
  "apiVersion": "breezeml.ai/v1", "kind": "TrainingJob",
  "metadata": {"name": "wave", "namespace": "bench", "uid": "job-uid-1", "resourceVersion": "10",
               "generation": 1, "creationTimestamp": "2026-11-28T09:00:00Z"},
  "spec": {"minSize": 1, "maxSize": 64, "priority": 0, "injectLattice": false, "runPolicy": {},
           "replicaSpecs": {"template": {"spec": {"containers": [
             {"name": "trainingjob", "image": "breezeml/lattice-resnet:1.0.1", "command": ["python", "main.py"],
              "resources": {"limits": {"nvidia.com/gpu": 1}}}]}}}}})";

protocol::gateway_actor::behavior_type answering_gateway(protocol::gateway_actor::pointer,
                                                         std::shared_ptr<std::vector<std::string>> creates) {
  return {[creates](protocol::api_call& call) {
    if (call.verb == protocol::api_verb::create_pod)
      creates->push_back(std::move(call.body));
    return protocol::api_result{true, 200, ""};
  }};
}

protocol::autoscaler_actor::behavior_type silent_autoscaler(protocol::autoscaler_actor::pointer) {
  return {
      [](protocol::job_state&) {},
      [](protocol::job_gone&) {},
      [](protocol::node_state&) {},
      [](protocol::node_gone&) {},
      [](protocol::replan_timer&) {},
      [](protocol::plan_wakeup&) {},
      [](protocol::set_leader&) {},
      [](atoms::summary_atom) { return std::string("{}"); },
      [](atoms::inspect_atom) { return std::string("{}"); },
  };
}

scheduling::job_decision admit_all() {
  scheduling::job_decision d;
  d.namespace_ = "bench";
  d.name = "wave";
  d.stage = scheduling::job_stage::running;
  d.size = workers;
  for (int i = 0; i < workers; ++i)
    d.workers.push_back({i, "node-" + std::to_string(i / 8)});
  d.added = d.workers;
  d.changed = true;
  d.reason = "at maxSize";
  return d;
}

/// The actor system on CAF's test coordinator: messages run when run() says.
struct wave_fixture {
  static caf::actor_system_config& testing(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    return cfg;
  }
  caf::actor_system_config cfg;
  caf::actor_system sys{testing(cfg)};
  caf::scheduler::test_coordinator& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::shared_ptr<std::vector<std::string>> creates = std::make_shared<std::vector<std::string>>();
  protocol::gateway_actor gateway = sys.spawn(answering_gateway, creates);
  protocol::autoscaler_actor autoscaler = sys.spawn(silent_autoscaler);
  k8s::training_job job = k8s::decode_training_job(job_json).value();
  scheduling::job_decision decision = admit_all();

  ~wave_fixture() {
    caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(autoscaler, caf::exit_reason::user_shutdown);
    drain();
  }

  void drain() {
    sched.run();
    for (int i = 0; i < 100 && (sched.trigger_timeouts() > 0 || sched.run() > 0); ++i)
      sched.run();
  }

  actors::job_settings settings() {
    actors::job_settings s;
    s.config.api_group = "breezeml.ai";
    s.config.operator_image = "breezeml/lattice-operator:0.3.0";
    s.config.identity = "operator-0";
    s.writes = gateway;
    s.autoscaler = autoscaler;
    return s;
  }

  /// One wave on a new actor; `pods` (Pending, then Running) are what the
  /// watch reports. Returns the number of creates the actor sent.
  std::size_t wave(const std::vector<k8s::pod>& pending, const std::vector<k8s::pod>& running) {
    creates->clear();
    auto actor = actors::spawn_job_actor(sys, settings(), "bench", "wave", true);
    caf::anon_send(actor, protocol::job_observed{job});
    caf::anon_send(actor, protocol::job_decision{decision});
    sched.run();
    for (const auto& pod : pending)
      caf::anon_send(actor, protocol::pod_observed{pod});
    sched.run();
    for (const auto& pod : running)
      caf::anon_send(actor, protocol::pod_observed{pod});
    sched.run();
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    sched.run();
    return creates->size();
  }
};

/// The pods the actor creates, as the watch reports them in `phase`.
std::vector<k8s::pod> as_watched(const std::vector<std::string>& bodies, k8s::pod_phase phase) {
  std::vector<k8s::pod> out;
  for (const auto& body : bodies) {
    auto pod = k8s::decode_pod(body).value();
    pod.meta.uid = "uid-" + pod.meta.name;
    pod.meta.resource_version = phase == k8s::pod_phase::pending ? "20" : "30";
    pod.phase = phase;
    if (phase != k8s::pod_phase::pending)
      pod.node_name = pod.meta.annotations["breezeml.ai/node"];
    out.push_back(std::move(pod));
  }
  return out;
}

void bm_creation_wave_64(benchmark::State& state) {
  spdlog::set_level(spdlog::level::off); // the actor's own work, not the log sink's
  wave_fixture f;
  f.wave({}, {}); // learn the pod bodies
  const auto bodies = *f.creates;
  const auto pending = as_watched(bodies, k8s::pod_phase::pending);
  const auto running = as_watched(bodies, k8s::pod_phase::running);
  std::uint64_t allocated = 0;
  std::size_t created = 0;
  for (auto _ : state) {
    const auto before = bench::allocations();
    created = f.wave(pending, running);
    allocated += bench::allocations() - before;
    f.drain();
  }
  state.counters["creates"] = static_cast<double>(created);
  state.counters["allocs"] = static_cast<double>(allocated) / static_cast<double>(state.iterations());
}

} // namespace

BENCHMARK(bm_creation_wave_64)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
