#include "actors/autoscaler.hpp"

#include "actors/actor_clock.hpp"
#include "actors/autoscaler_metrics.hpp"
#include "observability/metrics.hpp"
#include "scheduling/planner.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace lattice::actors {

namespace {

using self_pointer = protocol::autoscaler_actor::stateful_pointer<autoscaler_state>;

void arm_timer(self_pointer self, const debounce::arm& a) {
  auto delay = a.at - self->clock().now();
  if (delay <= debounce::duration::zero())
    self->send(self, protocol::replan_timer{a.generation});
  else
    self->delayed_send(self, delay, protocol::replan_timer{a.generation});
}

/// Something in the snapshot changed: open (or extend) the debounce window.
void changed(self_pointer self) {
  if (!self->state.leader)
    return; // a standby keeps its snapshot warm but never plans
  if (auto a = self->state.window.on_change(self->clock().now()))
    arm_timer(self, *a);
}

void record(autoscaler_state& st, const std::vector<std::string>& keys, const scheduling::plan& p,
            scheduling::time_point now, std::chrono::microseconds took) {
  plan_summary sum;
  sum.time = now;
  sum.duration = took;
  for (auto index : p.queue)
    sum.queue.push_back(keys.at(index));
  for (std::size_t i = 0; i < p.jobs.size(); ++i)
    sum.jobs[keys[i]] = plan_summary::job_line{p.jobs[i].stage, p.jobs[i].size, p.jobs[i].reason};
  sum.warnings = p.warnings;
  st.last_plan = std::move(sum);
  ++st.plans;
}

/// The nodes where the decisions take workers from some job and give the
/// GPUs to another, with the number of workers deleted there.
protocol::gpus_freeing
gpus_handed_over(const std::vector<std::pair<protocol::job_actor, const scheduling::job_decision*>>& sends) {
  std::map<std::string, std::int32_t> removed;
  std::set<std::string> added;
  for (const auto& [handle, d] : sends) {
    for (const auto& w : d->removed)
      ++removed[w.node];
    for (const auto& w : d->added)
      added.insert(w.node);
  }
  protocol::gpus_freeing out;
  for (const auto& [node, count] : removed)
    if (!node.empty() && added.count(node) > 0)
      out.deletes_by_node[node] = count;
  return out;
}

/// Each snapshot job's place among the jobs `p` leaves waiting, in queue
/// order (1: admitted next); 0 for jobs it runs and for invalid ones.
std::vector<std::int32_t> waiting_positions(const scheduling::plan& p) {
  std::vector<std::int32_t> out(p.jobs.size(), 0);
  std::int32_t position = 0;
  for (auto index : p.queue)
    if (p.jobs[index].stage == scheduling::job_stage::waiting && !p.jobs[index].invalid)
      out[index] = ++position;
  return out;
}

void run_plan(self_pointer self) {
  auto& st = self->state;
  auto snap = st.make_snapshot();
  std::vector<std::string> keys;
  keys.reserve(snap.jobs.size());
  for (const auto& job : snap.jobs)
    keys.push_back(job.key());
  auto now = st.settings.clock->wall();
  auto started = base::system_clock().steady(); // the plan's real cost, not actor time
  auto p = scheduling::make_plan(snap, st.settings.planner, now);
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(base::system_clock().steady() - started);
  record(st, keys, p, now, took);
  if (st.settings.metrics)
    st.settings.metrics->actor_mailbox_size("autoscaler").Set(static_cast<double>(self->mailbox().size()));
  if (st.settings.metrics)
    export_plan_metrics(*st.settings.metrics, snap, p, now, took, st.settings.planner.gpu_resource);
  auto at = next_wakeup(st, now);
  if (p.review_at && *p.review_at > now && (!at || *p.review_at < *at))
    at = p.review_at; // a growth held back by the gain rule becomes worth it
  if (at) {
    // +1s: the planner compares with the wall clock at plan time.
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(*at - now) + std::chrono::seconds(1);
    self->delayed_send(self, delay, protocol::plan_wakeup{++st.wakeup_generation});
  }
  const auto positions = waiting_positions(p);
  std::vector<std::pair<protocol::job_actor, const scheduling::job_decision*>> sends;
  std::vector<std::int32_t> sent_positions;
  for (std::size_t i = 0; i < p.jobs.size(); ++i) {
    auto it = st.jobs.find(keys[i]);
    if (it != st.jobs.end() && it->second.handle && st.filter.should_send(p.jobs[i], positions[i])) {
      sends.emplace_back(it->second.handle, &p.jobs[i]);
      sent_positions.push_back(positions[i]);
    }
  }
  // Before the decisions: the write dispatcher holds creates on these nodes
  // until the deletes that free them are answered, whichever job actor acts first.
  if (st.settings.writes)
    if (auto freeing = gpus_handed_over(sends); !freeing.deletes_by_node.empty())
      self->send(st.settings.writes, std::move(freeing));
  for (std::size_t k = 0; k < sends.size(); ++k) {
    self->send(sends[k].first, protocol::job_decision{*sends[k].second, sent_positions[k]});
    ++st.decisions_sent;
  }
}

void set_leader(self_pointer self, bool leader) {
  auto& st = self->state;
  if (leader == st.leader)
    return;
  st.leader = leader;
  if (!leader) {
    st.window.cancel();
    return;
  }
  // A new leader re-sends every decision: the previous leader's messages
  // may not have reached the job actors, or came from another replica.
  st.filter.clear();
  changed(self);
}

} // namespace

protocol::autoscaler_actor::behavior_type autoscaler(self_pointer self, autoscaler_settings settings) {
  auto& st = self->state;
  st.window = debounce{settings.plan_debounce, settings.plan_max_delay};
  bool leader = settings.start_as_leader;
  if (!settings.clock)
    settings.clock = std::make_shared<actor_clock>(self->system().clock(), base::system_clock());
  st.settings = std::move(settings);
  set_leader(self, leader);
  return {
      [self](protocol::job_state& msg) {
        auto key = msg.info.key();
        self->state.jobs[key] = tracked_job{std::move(msg.info), std::move(msg.job)};
        changed(self);
      },
      [self](protocol::job_gone& msg) {
        auto key = msg.namespace_ + "/" + msg.name;
        auto it = self->state.jobs.find(key);
        if (it == self->state.jobs.end())
          return;
        // A job deleted and created again under the same name is tracked with
        // its new actor by now: the old actor's late job_gone is stale.
        const auto& sender = self->current_sender();
        if (sender && it->second.handle
            && sender != caf::actor_cast<caf::strong_actor_ptr>(it->second.handle))
          return;
        self->state.jobs.erase(it);
        self->state.filter.forget(key);
        changed(self);
      },
      [self](protocol::node_state& msg) {
        auto name = msg.info.name;
        self->state.nodes[name] = std::move(msg.info);
        changed(self);
      },
      [self](protocol::node_gone& msg) {
        if (self->state.nodes.erase(msg.name) > 0)
          changed(self);
      },
      [self](protocol::replan_timer& msg) {
        auto& window = self->state.window;
        switch (window.on_timer(msg.generation, self->clock().now())) {
        case debounce::verdict::ignore:
          break;
        case debounce::verdict::rearm:
          arm_timer(self, window.next());
          break;
        case debounce::verdict::plan:
          run_plan(self);
          break;
        }
      },
      [self](protocol::plan_wakeup& msg) {
        if (msg.generation == self->state.wakeup_generation)
          changed(self);
      },
      [self](protocol::set_leader& msg) { set_leader(self, msg.leader); },
      [self](atoms::summary_atom) {
        const auto& st = self->state;
        return "{\"kind\":\"autoscaler\",\"name\":\"autoscaler\",\"mailbox\":"
               + std::to_string(self->mailbox().size()) + ",\"leader\":" + (st.leader ? "true" : "false")
               + ",\"jobs\":" + std::to_string(st.jobs.size()) + ",\"nodes\":"
               + std::to_string(st.nodes.size()) + ",\"plans\":" + std::to_string(st.plans) + "}";
      },
      [self](atoms::inspect_atom) { return inspect_json(self->state); },
  };
}

protocol::autoscaler_actor spawn_autoscaler(caf::actor_system& sys, autoscaler_settings settings) {
  return sys.spawn(autoscaler, std::move(settings));
}

} // namespace lattice::actors
