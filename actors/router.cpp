#include "actors/router.hpp"

#include "actors/actor_clock.hpp"
#include "actors/job_actor.hpp"
#include "actors/node_actor.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>

#include <chrono>

namespace lattice::actors {
namespace {

using self_pointer = protocol::router_actor::stateful_pointer<router_state>;

constexpr auto inspect_timeout = std::chrono::seconds(5);

void count_actors(self_pointer self) {
  auto& st = self->state;
  if (auto* m = st.job.metrics.get()) {
    m->actors("job").Set(static_cast<double>(st.jobs.size()));
    m->actors("node").Set(static_cast<double>(st.nodes.size()));
    m->actors("router").Set(1);
    m->actors("autoscaler").Set(1);
    m->actors("gateway").Set(static_cast<double>(st.job.gateway_count));
    m->actor_mailbox_size("router").Set(static_cast<double>(self->mailbox().size()));
  }
}

protocol::job_actor& job_actor_for(self_pointer self, const std::string& ns, const std::string& name) {
  auto& st = self->state;
  const auto key = ns + "/" + name;
  auto it = st.jobs.find(key);
  if (it != st.jobs.end())
    return it->second;
  // Linked: the router's shutdown stops every job and node actor with it.
  auto actor = self->spawn<caf::linked>(job_actor, st.shared_job, ns, name, st.leader);
  it = st.jobs.emplace(key, actor).first;
  auto waiting = st.waiting_pods.find(key);
  if (waiting != st.waiting_pods.end()) {
    for (auto& [pod_name, pod] : waiting->second)
      self->send(actor, protocol::pod_observed{std::move(pod)});
    st.waiting_pods.erase(waiting);
  }
  count_actors(self);
  return it->second;
}

/// A TrainingJob in `ns` is seen by this operator (--namespace).
bool watched(const router_state& st, const std::string& ns) {
  return st.job.watch_namespace.empty() || ns == st.job.watch_namespace;
}

/// `node` was deleted within removed_node_memory (forgotten after that).
bool recently_removed(self_pointer self, const std::string& node) {
  auto& removed = self->state.removed_nodes;
  const auto it = removed.find(node);
  if (it == removed.end())
    return false;
  if (self->state.job.clock->steady() - it->second < removed_node_memory)
    return true;
  removed.erase(it);
  return false;
}

void remember_removed(self_pointer self, const std::string& node) {
  auto& removed = self->state.removed_nodes;
  const auto now = self->state.job.clock->steady();
  for (auto it = removed.begin(); it != removed.end();)
    it = now - it->second >= removed_node_memory ? removed.erase(it) : std::next(it);
  removed[node] = now;
}

protocol::node_actor& node_actor_for(self_pointer self, const std::string& name) {
  auto& st = self->state;
  auto it = st.nodes.find(name);
  if (it == st.nodes.end()) {
    auto actor =
        self->spawn<caf::linked>(node_actor, name, st.job.config.api_group, st.job.autoscaler,
                                 protocol::node_loss_listener{caf::actor_cast<protocol::router_actor>(self)});
    it = st.nodes.emplace(name, actor).first;
    count_actors(self);
  }
  return it->second;
}

/// Collects one answer per actor into a JSON array, then delivers it.
struct summary_collector {
  caf::typed_response_promise<std::string> promise;
  std::vector<std::string> parts;
  std::size_t outstanding = 0;

  void add(std::string part) {
    parts.push_back(std::move(part));
    finish_one();
  }
  void finish_one() {
    if (--outstanding > 0)
      return;
    std::string out = "[";
    for (std::size_t i = 0; i < parts.size(); ++i)
      out += (i ? "," : "") + parts[i];
    promise.deliver(out + "]");
  }
};

template <class Handle>
void ask_summary(self_pointer self, const Handle& actor, const std::shared_ptr<summary_collector>& c) {
  self->request(actor, inspect_timeout, atoms::summary_atom_v)
      .then([c](std::string& s) { c->add(std::move(s)); }, [c](caf::error&) { c->finish_one(); });
}

} // namespace

std::size_t router_state::waiting_pod_count() const {
  std::size_t n = 0;
  for (const auto& [key, pods] : waiting_pods)
    n += pods.size();
  return n;
}

std::string controlling_job_key(const k8s::pod& pod, const std::string& api_group) {
  const auto api_version = api_group + "/v1";
  for (const auto& ref : pod.meta.owner_references)
    if (ref.controller && ref.kind == "TrainingJob" && ref.api_version == api_version)
      return pod.meta.namespace_ + "/" + ref.name;
  return {};
}

protocol::router_actor::behavior_type router(self_pointer self, job_settings settings) {
  self->state.job = std::move(settings);
  if (!self->state.job.clock)
    self->state.job.clock = std::make_shared<actor_clock>(self->system().clock(), base::system_clock());
  self->state.shared_job = std::make_shared<const job_settings>(self->state.job);
  count_actors(self);
  return {
      [self](protocol::job_observed& msg) {
        const auto ns = msg.job.meta.namespace_;
        const auto name = msg.job.meta.name;
        self->send(job_actor_for(self, ns, name), std::move(msg));
      },
      [self](protocol::job_undecodable& msg) {
        // Only metadata is known; the job actor writes InvalidSpec with it.
        const auto ns = msg.job.meta.namespace_;
        const auto name = msg.job.meta.name;
        if (watched(self->state, ns))
          self->send(job_actor_for(self, ns, name), std::move(msg));
      },
      [self](protocol::job_removed& msg) {
        auto& st = self->state;
        const auto key = msg.namespace_ + "/" + msg.name;
        auto it = st.jobs.find(key);
        if (it == st.jobs.end())
          return;
        self->send(it->second, std::move(msg));
        st.jobs.erase(it);
        count_actors(self);
      },
      [self](protocol::pod_observed& msg) {
        auto& st = self->state;
        ++st.events;
        if (!msg.pod.node_name.empty() && !recently_removed(self, msg.pod.node_name))
          self->send(node_actor_for(self, msg.pod.node_name), msg);
        const auto key = controlling_job_key(msg.pod, st.job.config.api_group);
        if (key.empty() || !watched(st, msg.pod.meta.namespace_))
          return; // no TrainingJob of ours, or one this operator never sees
        auto it = st.jobs.find(key);
        if (it != st.jobs.end())
          self->send(it->second, std::move(msg));
        else
          st.waiting_pods[key][msg.pod.meta.name] = std::move(msg.pod);
      },
      [self](protocol::pod_removed& msg) {
        auto& st = self->state;
        ++st.events;
        if (!msg.pod.node_name.empty()) {
          auto node = st.nodes.find(msg.pod.node_name);
          if (node != st.nodes.end())
            self->send(node->second, msg);
        }
        const auto key = controlling_job_key(msg.pod, st.job.config.api_group);
        if (key.empty())
          return;
        auto it = st.jobs.find(key);
        if (it != st.jobs.end()) {
          self->send(it->second, std::move(msg));
          return;
        }
        auto waiting = st.waiting_pods.find(key);
        if (waiting != st.waiting_pods.end()) {
          waiting->second.erase(msg.pod.meta.name);
          if (waiting->second.empty())
            st.waiting_pods.erase(waiting);
        }
      },
      [self](protocol::node_observed& msg) {
        const auto name = msg.node.meta.name;
        self->state.removed_nodes.erase(name); // back (a node re-registered under its name)
        self->send(node_actor_for(self, name), std::move(msg));
      },
      [self](protocol::node_removed& msg) {
        auto& st = self->state;
        const auto name = msg.name;
        remember_removed(self, name);
        auto it = st.nodes.find(name);
        if (it == st.nodes.end())
          return;
        self->send(it->second, std::move(msg));
        st.nodes.erase(it);
        count_actors(self);
      },
      [self](protocol::node_lost& msg) {
        // From a node actor: each job with pods on the node hears it.
        auto& st = self->state;
        for (const auto& key : msg.jobs) {
          auto it = st.jobs.find(key);
          if (it != st.jobs.end())
            self->send(it->second, protocol::node_lost{msg.node, msg.loss, {}});
        }
      },
      [self](protocol::set_leader& msg) {
        auto& st = self->state;
        st.leader = msg.leader;
        for (auto& [key, actor] : st.jobs)
          self->send(actor, msg);
        self->send(st.job.autoscaler, msg);
      },
      [self](atoms::summary_atom) -> caf::result<std::string> {
        auto& st = self->state;
        auto c = std::make_shared<summary_collector>();
        c->promise = self->make_response_promise<std::string>();
        c->outstanding = st.jobs.size() + st.nodes.size() + 2; // + autoscaler + self
        c->parts.push_back(
            "{\"kind\":\"router\",\"name\":\"router\",\"mailbox\":" + std::to_string(self->mailbox().size())
            + ",\"jobs\":" + std::to_string(st.jobs.size()) + ",\"nodes\":" + std::to_string(st.nodes.size())
            + ",\"waitingPods\":" + std::to_string(st.waiting_pod_count()) + "}");
        ask_summary(self, st.job.autoscaler, c);
        for (const auto& [key, actor] : st.jobs)
          ask_summary(self, actor, c);
        for (const auto& [name, actor] : st.nodes)
          ask_summary(self, actor, c);
        c->finish_one(); // the router's own line
        return c->promise;
      },
      [self](atoms::inspect_atom, const std::string& kind,
             const std::string& key) -> caf::result<std::string> {
        auto& st = self->state;
        auto rp = self->make_response_promise<std::string>();
        auto forward = [&](const auto& actor) {
          self->request(actor, inspect_timeout, atoms::inspect_atom_v)
              .then([rp](std::string& s) mutable { rp.deliver(std::move(s)); },
                    [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
        };
        if (kind == "autoscaler") {
          forward(st.job.autoscaler);
        } else if (kind == "job" && st.jobs.count(key) > 0) {
          forward(st.jobs.at(key));
        } else if (kind == "node" && st.nodes.count(key) > 0) {
          forward(st.nodes.at(key));
        } else {
          rp.deliver(std::string()); // empty: no such actor
        }
        return rp;
      },
  };
}

protocol::router_actor spawn_router(caf::actor_system& sys, job_settings settings) {
  return sys.spawn(router, std::move(settings));
}

} // namespace lattice::actors
