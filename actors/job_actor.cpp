#include "actors/job_actor.hpp"

#include "actors/job_reconcile.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>

#include <functional>

namespace lattice::actors {

std::shared_ptr<const job_settings> share(job_settings settings) {
  settings.evaluation.api_group = settings.api_group;
  return std::make_shared<const job_settings>(std::move(settings));
}

protocol::job_actor::behavior_type job_actor(job_self self, std::shared_ptr<const job_settings> settings,
                                             std::string namespace_, std::string name, bool leader) {
  auto& st = self->state;
  st.namespace_ = std::move(namespace_);
  st.job_name = std::move(name);
  st.leader = leader;
  st.settings = std::move(settings);
  st.creating = lifecycle::expectations(st.settings->expectation_timeout);
  st.deleting = lifecycle::expectations(st.settings->expectation_timeout);
  return {
      [self](protocol::job_observed& msg) { on_job_observed(self, std::move(msg.job)); },
      [self](protocol::job_removed&) {
        auto& st = self->state;
        if (!st.sent_fingerprint.empty() || st.observed)
          self->send(st.settings->autoscaler, protocol::job_gone{st.namespace_, st.job_name});
        if (st.settings->metrics && st.leader && !st.gauge_stage.empty())
          st.settings->metrics->job_stage(st.namespace_, st.gauge_stage).Decrement();
        // Pods and Services go with the job through their ownerReferences
        // (Kubernetes' garbage collector).
        self->quit();
      },
      [self](protocol::pod_observed& msg) {
        auto& st = self->state;
        const auto name = msg.pod.meta.name;
        if (st.observed) {
          bool mine = false;
          for (const auto& ref : msg.pod.meta.owner_references)
            mine |= ref.controller && ref.uid == st.observed->meta.uid;
          if (!mine)
            return;
        }
        st.creating.satisfy(name);
        if (st.finish_handled && !lifecycle::is_live(msg.pod)) {
          // A finished job only needs the pods cleanPodPolicy may still
          // delete: the rest is not kept (memory at thousands of jobs).
          st.pods.erase(name);
          return;
        }
        st.pods[name] = std::move(msg.pod);
        reconcile(self);
      },
      [self](protocol::pod_removed& msg) {
        auto& st = self->state;
        const auto& name = msg.pod.meta.name;
        auto it = st.pods.find(name);
        if (it == st.pods.end() || it->second.meta.uid != msg.pod.meta.uid)
          return;
        st.pods.erase(it);
        st.deleting.satisfy(name);
        reconcile(self);
      },
      [self](protocol::job_decision& msg) { on_decision(self, msg.decision); },
      [self](protocol::requeue_timer& msg) {
        if (msg.generation == self->state.requeue_generation)
          reconcile(self);
      },
      [self](protocol::deadline_timer& msg) {
        if (msg.generation == self->state.deadline_generation)
          reconcile(self);
      },
      [self](protocol::ttl_timer& msg) {
        if (msg.generation == self->state.ttl_generation)
          delete_job(self);
      },
      [self](protocol::resync_timer& msg) {
        auto& st = self->state;
        if (msg.generation != st.resync_generation)
          return;
        st.resync_armed = false;
        reconcile(self);
      },
      [self](protocol::status_flush_timer& msg) {
        auto& st = self->state;
        if (msg.generation != st.status_flush_generation)
          return;
        st.status_flush_due.reset();
        flush_status(self);
      },
      [self](protocol::set_leader& msg) {
        auto& st = self->state;
        if (st.leader == msg.leader)
          return;
        st.leader = msg.leader;
        st.check_adoption = msg.leader;
        st.sent_fingerprint.clear(); // the (new) autoscaler hears everything again
        if (st.observed)
          on_job_observed(self, *st.observed);
      },
      [self](atoms::summary_atom) { return summary_json(self->state, self->mailbox().size()); },
      [self](atoms::inspect_atom) { return inspect_json(self->state, self->mailbox().size()); },
  };
}

protocol::job_actor spawn_job_actor(caf::actor_system& sys, job_settings settings, std::string namespace_,
                                    std::string name, bool leader) {
  return sys.spawn(job_actor, share(std::move(settings)), std::move(namespace_), std::move(name), leader);
}

} // namespace lattice::actors
