#include "actors/node_actor.hpp"

#include "lifecycle/snapshot_conversion.hpp"
#include "observability/json_log.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <sstream>

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

bound_pod compact(const k8s::pod& pod, const std::string& api_group) {
  bound_pod b;
  b.uid = pod.meta.uid;
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
                                               std::string api_group, protocol::autoscaler_actor autoscaler) {
  auto& st = self->state;
  st.node_name = std::move(node_name);
  st.api_group = std::move(api_group);
  st.autoscaler = std::move(autoscaler);
  return {
      [self](protocol::node_observed& msg) {
        self->state.node = std::move(msg.node);
        report(self);
      },
      [self](protocol::node_removed&) {
        self->send(self->state.autoscaler, protocol::node_gone{self->state.node_name});
        self->quit();
      },
      [self](protocol::pod_observed& msg) {
        auto& st = self->state;
        st.pods[msg.pod.meta.key()] = compact(msg.pod, st.api_group);
        report(self);
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
                                      protocol::autoscaler_actor autoscaler) {
  return sys.spawn(node_actor, std::move(node_name), std::move(api_group), std::move(autoscaler));
}

} // namespace lattice::actors
