#include "app/watchers.hpp"

#include "k8s/client/resource.hpp"
#include "k8s/codec/decoders.hpp"
#include "k8s/watch/reflector.hpp"
#include "k8s/watch/reflector_impl.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

namespace lattice::app {

namespace kw = k8s::watch;

namespace {

/// Frees what `value` holds: clear() or assigning an empty string keeps
/// the capacity, a move construction takes it away.
template <class T>
void release(T& value) {
  T gone = std::move(value);
  value = T{};
}

// What the reflectors' stores keep once an object was delivered. The job and
// node actors hold what they need of each object; the stores only recognise
// replays and deliver removals, which need the object's identity (and, for a
// pod, its node and controller, to be routed). At 5,000 jobs a whole second
// copy of every TrainingJob, pod template included, cost memory for nothing
// (docs/benchmarks.md, "Memory per waiting job").
void keep_identity(k8s::object_meta& meta) {
  meta.labels.clear();
  meta.annotations.clear();
  release(meta.creation_timestamp);
  release(meta.deletion_timestamp);
}

void keep_job_identity(k8s::training_job& job) {
  keep_identity(job.meta);
  release(job.meta.owner_references);
  release(job.spec);
  release(job.status);
}

void keep_pod_routing(k8s::pod& pod) {
  keep_identity(pod.meta);
  release(pod.requests);
  release(pod.reason);
  release(pod.scheduled_reason);
  release(pod.container_statuses);
}

void keep_node_identity(k8s::node& node) {
  keep_identity(node.meta);
  release(node.taints);
  release(node.allocatable);
}

/// Counts and logs an object the decoder refused: the operator skips it and
/// every other object flows on.
template <class T>
void log_refused(observability::metrics* metrics, const char* kind, const k8s::refused_object<T>& bad) {
  const auto& meta = bad.object.meta;
  if (metrics != nullptr)
    metrics->decode_errors(kind).Increment();
  spdlog::warn("{} {} (uid {}, resourceVersion {}) skipped: the operator cannot decode it: {}: {}", kind,
               meta.key(), meta.uid, meta.resource_version, bad.failure.field, bad.failure.message);
}

} // namespace

struct watchers::impl {
  std::shared_ptr<k8s::client::rest_client> rest;
  std::string api_group;
  std::string watch_namespace;
  protocol::router_actor router;
  std::shared_ptr<observability::metrics> metrics;
  std::function<void()> on_all_synced;
  std::chrono::milliseconds stall_window{0};
  std::atomic<int> synced_count{0};

  std::unique_ptr<kw::reflector<k8s::training_job>> jobs;
  std::unique_ptr<kw::reflector<k8s::pod>> pods;
  std::unique_ptr<kw::reflector<k8s::node>> nodes;
  std::vector<std::thread> threads;
  bool stopped = false;
  std::mutex stats_mutex;
  /// Per resource: watches opened and relists already exported.
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> exported;

  void export_one(observability::metrics& m, const std::string& name, const kw::reflector_stats& st) {
    auto& [opened, relists] = exported[name];
    // The first watch is not a restart.
    const std::uint64_t restarts = st.watches_opened > 0 ? st.watches_opened - 1 : 0;
    if (restarts > opened)
      m.watch_restarts(name).Increment(static_cast<double>(restarts - opened));
    if (st.relists_after_gone > relists)
      m.watch_relists(name).Increment(static_cast<double>(st.relists_after_gone - relists));
    opened = std::max(opened, restarts);
    relists = std::max(relists, st.relists_after_gone);
  }

  std::function<void()> synced(const std::string& name) {
    return [this, name] {
      spdlog::info("watch {} synced", name);
      if (++synced_count == 3 && on_all_synced)
        on_all_synced();
    };
  }
  std::function<void(const k8s::error&)> errors(const std::string& name) {
    return [name](const k8s::error& err) { spdlog::warn("watch {}: {}", name, err.to_string()); };
  }
  kw::reflector_options options(k8s::client::resource res, std::string ns, std::string name) {
    kw::reflector_options o;
    o.resource = std::move(res);
    o.namespace_ = std::move(ns);
    o.name = std::move(name);
    return o;
  }
};

watchers::watchers(std::shared_ptr<k8s::client::rest_client> rest, std::string api_group,
                   std::string watch_namespace, protocol::router_actor router,
                   std::shared_ptr<observability::metrics> metrics, std::function<void()> on_all_synced,
                   std::chrono::milliseconds stall_window)
    : impl_(std::make_unique<impl>()) {
  auto& i = *impl_;
  i.rest = std::move(rest);
  i.api_group = std::move(api_group);
  i.watch_namespace = std::move(watch_namespace);
  i.router = std::move(router);
  i.metrics = std::move(metrics);
  i.on_all_synced = std::move(on_all_synced);
  i.stall_window = stall_window;
  auto router_handle = i.router;
  i.jobs = std::make_unique<kw::reflector<k8s::training_job>>(
      i.rest, i.options(k8s::client::training_jobs_resource(i.api_group), i.watch_namespace, "trainingjobs"),
      [router_handle](kw::delta_type t, const k8s::training_job& job, const k8s::training_job*) {
        if (t == kw::delta_type::deleted)
          caf::anon_send(router_handle, protocol::job_removed{job.meta.namespace_, job.meta.name});
        else
          caf::anon_send(router_handle, protocol::job_observed{job});
      },
      i.synced("trainingjobs"), i.errors("trainingjobs"), keep_job_identity);
  // Every pod, not only the operator's: node actors count what other
  // workloads use on each node.
  i.pods = std::make_unique<kw::reflector<k8s::pod>>(
      i.rest, i.options(k8s::client::pods_resource(), "", "pods"),
      [router_handle](kw::delta_type t, const k8s::pod& pod, const k8s::pod*) {
        if (t == kw::delta_type::deleted)
          caf::anon_send(router_handle, protocol::pod_removed{pod});
        else
          caf::anon_send(router_handle, protocol::pod_observed{pod});
      },
      i.synced("pods"), i.errors("pods"), keep_pod_routing);
  auto* m = i.metrics.get();
  // A refused TrainingJob gets InvalidSpec from its job actor (through the
  // router); a refused pod or node is only counted and logged.
  i.jobs->on_undecodable([m, router_handle](const k8s::refused_object<k8s::training_job>& bad) {
    log_refused(m, "TrainingJob", bad);
    caf::anon_send(router_handle,
                   protocol::job_undecodable{bad.object, bad.failure.field, bad.failure.message});
  });
  i.pods->on_undecodable([m](const k8s::refused_object<k8s::pod>& bad) { log_refused(m, "Pod", bad); });
  i.nodes = std::make_unique<kw::reflector<k8s::node>>(
      i.rest, i.options(k8s::client::nodes_resource(), "", "nodes"),
      [router_handle](kw::delta_type t, const k8s::node& node, const k8s::node*) {
        if (t == kw::delta_type::deleted)
          caf::anon_send(router_handle, protocol::node_removed{node.meta.name});
        else
          caf::anon_send(router_handle, protocol::node_observed{node});
      },
      i.synced("nodes"), i.errors("nodes"), keep_node_identity);
  i.nodes->on_undecodable([m](const k8s::refused_object<k8s::node>& bad) { log_refused(m, "Node", bad); });
}

watchers::~watchers() {
  stop();
}

void watchers::start() {
  auto& i = *impl_;
  i.threads.emplace_back([&i] { i.nodes->run(); });
  i.threads.emplace_back([&i] { i.pods->run(); });
  i.threads.emplace_back([&i] { i.jobs->run(); });
}

void watchers::stop() {
  auto& i = *impl_;
  if (i.stopped)
    return;
  i.stopped = true;
  i.jobs->stop();
  i.pods->stop();
  i.nodes->stop();
  for (auto& t : i.threads)
    if (t.joinable())
      t.join();
}

std::vector<observability::watch_sync> watchers::sync_state() const {
  const auto& i = *impl_;
  const auto now = std::chrono::steady_clock::now();
  const auto window = std::chrono::duration_cast<std::chrono::seconds>(i.stall_window).count();
  auto state = [&](const char* name, bool synced, std::chrono::steady_clock::time_point progress) {
    const auto idle = std::chrono::duration_cast<std::chrono::seconds>(now - progress).count();
    return observability::watch_sync{name, synced, idle, window};
  };
  return {state("trainingjobs", i.jobs->synced(), i.jobs->last_progress()),
          state("pods", i.pods->synced(), i.pods->last_progress()),
          state("nodes", i.nodes->synced(), i.nodes->last_progress())};
}

void watchers::export_stats(observability::metrics& m) {
  auto& i = *impl_;
  std::lock_guard<std::mutex> lock(i.stats_mutex);
  i.export_one(m, "trainingjobs", i.jobs->stats());
  i.export_one(m, "pods", i.pods->stats());
  i.export_one(m, "nodes", i.nodes->stats());
}

bool watchers::all_synced() const {
  return impl_->synced_count.load() >= 3;
}

} // namespace lattice::app
