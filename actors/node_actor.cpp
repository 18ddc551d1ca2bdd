#include "actors/node_actor.hpp"

#include "actors/router.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "observability/json_log.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <set>
#include <sstream>
#include <vector>

namespace lattice::actors {
namespace {

using self_pointer = protocol::node_actor::stateful_pointer<node_actor_state>;

void add(k8s::resource_list& sum, const k8s::resource_list& r) {
  sum.cpu_millis += r.cpu_millis;
  sum.memory_bytes += r.memory_bytes;
  for (const auto& other : r.others)
    sum.set(other.name, sum.get(other.name) + other.value);
}

std::string fingerprint(const scheduling::node_info& info) {
  std::ostringstream out;
  out << info.ready << info.schedulable << '|';
  for (const auto& [k, v] : info.allocatable.entries())
    out << k << '=' << v << ',';
  out << '|';
  for (const auto& [k, v] : info.used_by_others.entries())
    out << k << '=' << v << ',';
  out << '|';
  for (const auto& t : info.taints)
    out << t.key << '=' << t.value << ':' << static_cast<int>(t.effect) << ',';
  out << '|';
  for (const auto& [k, v] : info.labels)
    out << k << '=' << v << ',';
  return out.str();
}

void report(self_pointer self) {
  auto& st = self->state;
  if (!st.node)
    return;
  auto info = lifecycle::to_node_info(*st.node, used_by_others(st.pods));
  auto fp = fingerprint(info);
  if (fp == st.sent_fingerprint)
    return;
  if (st.node->ready != k8s::condition_status::true_ || st.node->unschedulable) {
    auto scope = observability::log_object("", st.node_name);
    spdlog::info("node {}: ready={} unschedulable={}", st.node_name,
                 st.node->ready == k8s::condition_status::true_, st.node->unschedulable);
  }
  st.sent_fingerprint = std::move(fp);
  ++st.updates_sent;
  self->send(st.autoscaler, protocol::node_state{std::move(info)});
}

/// Tells the listener that the node's loss is now `loss`, for the jobs
/// named (every job with a pod bound here when `only_job` is empty).
void tell_jobs(self_pointer self, lifecycle::node_loss loss, const std::string& only_job = {}) {
  auto& st = self->state;
  if (!st.listener)
    return;
  std::vector<std::string> jobs;
  if (!only_job.empty()) {
    jobs.push_back(only_job);
  } else {
    std::set<std::string> keys;
    for (const auto& [key, pod] : st.pods)
      if (!pod.job.empty())
        keys.insert(pod.job);
    jobs.assign(keys.begin(), keys.end());
  }
  if (jobs.empty())
    return;
  self->send(st.listener,
             protocol::node_lost{st.node_name, static_cast<std::uint8_t>(loss), std::move(jobs)});
}

/// Readiness from the Node watch: NotReady arms the unresponsive timer once;
/// Ready disarms it, and tells the jobs the node is back if it was lost.
void follow_readiness(self_pointer self) {
  auto& st = self->state;
  if (st.node->ready == k8s::condition_status::true_) {
    if (st.unready_armed) {
      st.unready_armed = false;
      ++st.unready_generation; // the armed timer is stale now
    }
    if (st.loss == lifecycle::node_loss::unresponsive) {
      st.loss = lifecycle::node_loss::none;
      auto scope = observability::log_object("", st.node_name);
      spdlog::info("node {} is Ready again", st.node_name);
      tell_jobs(self, st.loss);
    }
    return;
  }
  if (st.unready_armed || st.loss != lifecycle::node_loss::none)
    return;
  st.unready_armed = true;
  self->delayed_send(self, lifecycle::unresponsive_node_after,
                     protocol::node_unready_timer{++st.unready_generation});
}

bound_pod compact(const k8s::pod& pod, const std::string& api_group) {
  bound_pod b;
  b.uid = pod.meta.uid;
  b.job = controlling_job_key(pod, api_group);
  b.requests = pod.requests;
  b.holds = pod.phase != k8s::pod_phase::succeeded && pod.phase != k8s::pod_phase::failed;
  // A worker stays the planner's while it terminates: the plan that removed
  // it already gave its GPUs to someone (often its own job, restarting at a
  // new size). Counting it as someone else's would make the next plan move
  // that worker away, and churn. Its replacement waits Pending until it is
  // gone (seconds; stuck pods are force-deleted).
  b.planned_worker = b.holds && pod.meta.labels.count(lifecycle::replica_index_label(api_group)) > 0;
  return b;
}

} // namespace

k8s::resource_list used_by_others(const std::map<std::string, bound_pod>& pods) {
  k8s::resource_list sum;
  for (const auto& [key, pod] : pods)
    if (pod.holds && !pod.planned_worker) {
      add(sum, pod.requests);
      // It takes one of the node's allocatable pods, whatever it requests.
      sum.set(lifecycle::pods_resource, sum.get(lifecycle::pods_resource) + 1);
    }
  return sum;
}

std::string inspect_json(const node_actor_state& st, std::size_t mailbox_size, bool full) {
  boost::json::object o;
  o["kind"] = "node";
  o["name"] = st.node_name;
  o["mailbox"] = mailbox_size;
  o["known"] = st.node.has_value();
  if (st.node) {
    o["ready"] = st.node->ready == k8s::condition_status::true_;
    o["unschedulable"] = st.node->unschedulable;
  }
  o["loss"] = std::string(lifecycle::to_text(st.loss));
  o["pods"] = st.pods.size();
  if (!full)
    return boost::json::serialize(o);
  if (st.node) {
    auto info = lifecycle::to_node_info(*st.node, used_by_others(st.pods));
    boost::json::object alloc, used;
    for (const auto& [k, v] : info.allocatable.entries())
      alloc[k] = v;
    for (const auto& [k, v] : info.used_by_others.entries())
      used[k] = v;
    o["allocatable"] = std::move(alloc);
    o["usedByOthers"] = std::move(used);
    boost::json::array taints;
    for (const auto& t : st.node->taints)
      taints.emplace_back(t.key + (t.value.empty() ? "" : "=" + t.value));
    o["taints"] = std::move(taints);
  }
  boost::json::array pods;
  for (const auto& [key, pod] : st.pods)
    pods.push_back(
        boost::json::object{{"pod", key}, {"holds", pod.holds}, {"plannedWorker", pod.planned_worker}});
  o["boundPods"] = std::move(pods);
  o["updatesSent"] = st.updates_sent;
  return boost::json::serialize(o);
}

protocol::node_actor::behavior_type node_actor(self_pointer self, std::string node_name,
                                               std::string api_group, protocol::autoscaler_actor autoscaler,
                                               protocol::node_loss_listener listener) {
  auto& st = self->state;
  st.node_name = std::move(node_name);
  st.api_group = std::move(api_group);
  st.autoscaler = std::move(autoscaler);
  st.listener = std::move(listener);
  return {
      [self](protocol::node_observed& msg) {
        self->state.node = std::move(msg.node);
        report(self);
        follow_readiness(self);
      },
      [self](protocol::node_removed&) {
        // The planner first, so the decision moving the workers is on its
        // way while the jobs free the workers' names.
        self->send(self->state.autoscaler, protocol::node_gone{self->state.node_name});
        tell_jobs(self, lifecycle::node_loss::deleted);
        self->quit();
      },
      [self](protocol::node_unready_timer& t) {
        auto& st = self->state;
        if (!st.unready_armed || t.generation != st.unready_generation)
          return;
        st.unready_armed = false;
        st.loss = lifecycle::node_loss::unresponsive;
        auto scope = observability::log_object("", st.node_name);
        spdlog::warn("node {} NotReady for {}s: its terminating pods are force-deleted", st.node_name,
                     lifecycle::unresponsive_node_after.count());
        tell_jobs(self, st.loss);
      },
      [self](protocol::pod_observed& msg) {
        auto& st = self->state;
        auto b = compact(msg.pod, st.api_group);
        const auto job = b.job;
        const bool new_pod = st.pods.count(msg.pod.meta.key()) == 0;
        st.pods[msg.pod.meta.key()] = std::move(b);
        report(self);
        if (new_pod && st.loss != lifecycle::node_loss::none && !job.empty())
          tell_jobs(self, st.loss, job); // bound after the loss was told
      },
      [self](protocol::pod_removed& msg) {
        auto& st = self->state;
        auto it = st.pods.find(msg.pod.meta.key());
        if (it == st.pods.end() || it->second.uid != msg.pod.meta.uid)
          return;
        st.pods.erase(it);
        report(self);
      },
      [self](atoms::summary_atom) { return inspect_json(self->state, self->mailbox().size(), false); },
      [self](atoms::inspect_atom) { return inspect_json(self->state, self->mailbox().size(), true); },
  };
}

protocol::node_actor spawn_node_actor(caf::actor_system& sys, std::string node_name, std::string api_group,
                                      protocol::autoscaler_actor autoscaler,
                                      protocol::node_loss_listener listener) {
  return sys.spawn(node_actor, std::move(node_name), std::move(api_group), std::move(autoscaler),
                   std::move(listener));
}

} // namespace lattice::actors
