#include "actors/job_effects.hpp"

#include "actors/job_timing.hpp"
#include "base/time.hpp"
#include "k8s/codec/encoders.hpp"
#include "lifecycle/pod_names.hpp"
#include "lifecycle/rendezvous.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "lifecycle/worker_pod.hpp"
#include "observability/json_log.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

namespace lattice::actors {
namespace {

using protocol::api_call;
using protocol::api_result;
using protocol::api_verb;

api_call make_call(api_verb verb, std::string ns, std::string name, std::string body = {},
                   std::string uid = {}) {
  api_call c;
  c.verb = verb;
  c.namespace_ = std::move(ns);
  c.name = std::move(name);
  c.body = std::move(body);
  c.uid = std::move(uid);
  return c;
}

std::string now_text(job_self self) {
  return base::format_rfc3339(self->state.settings->wall_clock());
}

bool is_pod_write(const api_call& c) {
  return c.verb == api_verb::create_pod || c.verb == api_verb::delete_pod;
}

/// Sends `call` to the write dispatcher; `done` runs with the result on the
/// actor (a request that errors at the CAF level, e.g. the dispatcher gone
/// at shutdown, becomes a failed result). `urgency`: how soon it should go
/// when the API server is the bottleneck (protocol::write_class). The job's
/// own writes (status, Events, Services) keep their order by its key; one
/// pod's delete and re-create are already ordered by the expectations, so
/// pod writes have no key and a job's creates run on every free gateway.
template <class F>
void call(job_self self, api_call c, F done,
          protocol::write_class urgency = protocol::write_class::bookkeeping) {
  c.urgency = urgency;
  if (!is_pod_write(c))
    c.order_key = self->state.key();
  ++self->state.writes;
  auto verb = c.verb;
  auto name = c.name;
  // Calls sent and not yet answered, over all gateways: the write backlog
  // a slow API server builds up (each queued create carries its pod body).
  // Counted down when the handlers go: answered, or the actor quit first.
  std::shared_ptr<void> in_backlog;
  if (const auto& m = self->state.settings->metrics) {
    auto* gauge = &m->actor_mailbox_size("gateways");
    gauge->Increment();
    // The deleter holds the metrics: they may outlive the actor's state.
    in_backlog.reset(gauge, [m](void* g) { static_cast<prometheus::Gauge*>(g)->Decrement(); });
  }
  // No CAF timeout: the dispatcher always answers (the REST client has its
  // own deadlines and retries), and a CAF-side timeout would let the actor
  // retry a call that is still queued, duplicating it.
  self->request(self->state.settings->writes, caf::infinite, std::move(c))
      .then([self, done, in_backlog](api_result& r) mutable { done(r); },
            [self, done, verb, name, in_backlog](caf::error& err) mutable {
              api_result r;
              r.message =
                  std::string(protocol::to_string(verb)) + " " + name + ": " + self->system().render(err);
              // The dispatcher stops only when the operator does:
              // a call that finds it gone is dropped at shutdown.
              r.cancelled = err == caf::sec::request_receiver_down;
              done(r);
            });
}

void record_failure(job_self self, const std::string& what, const api_result& r) {
  if (r.cancelled)
    return; // shutting down: the next leader reconciles from the cluster, no news for the log
  auto& st = self->state;
  ++st.write_failures;
  auto line = what + " failed (HTTP " + std::to_string(r.status) + "): " + r.message;
  auto scope = observability::log_object(st.namespace_, st.job_name);
  spdlog::warn("{}", line);
  st.remember(now_text(self) + " " + line);
  arm_resync(self);
}

std::string json_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

} // namespace

void arm_resync(job_self self) {
  auto& st = self->state;
  if (st.resync_armed)
    return;
  st.resync_armed = true;
  self->delayed_send(self, st.settings->resync_interval, protocol::resync_timer{++st.resync_generation});
}

/// Arms the flush timer to fire within `delay`; an armed timer due earlier stays.
void arm_status_flush(job_self self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  const auto due = self->clock().now() + delay;
  if (st.status_flush_due && *st.status_flush_due <= due)
    return;
  st.status_flush_due = due;
  self->delayed_send(self, delay, protocol::status_flush_timer{++st.status_flush_generation});
}

void write_status(job_self self) {
  auto& st = self->state;
  if (!st.leader || !st.observed)
    return;
  st.status_dirty = true;
  if (st.status_writing)
    return; // the answer to the write in flight sends the latest status
  switch (lifecycle::classify_status_change(st.status_written, lifecycle::sign_status(st.status))) {
  case lifecycle::status_write_urgency::now:
    flush_status(self);
    return;
  case lifecycle::status_write_urgency::soon:
    arm_status_flush(self, st.settings->status_flush_delay);
    return;
  case lifecycle::status_write_urgency::later:
    arm_status_flush(self, st.settings->status_message_delay);
    return;
  }
}

void flush_status(job_self self) {
  auto& st = self->state;
  if (!st.leader || !st.observed || !st.status_dirty || st.status_writing)
    return;
  st.status.exec.last_reconcile_time = now_text(self);
  st.status_dirty = false;
  st.status_writing = true;
  st.status_written = lifecycle::sign_status(st.status);
  ++st.status_flush_generation; // a pending flush timer has nothing left to do
  st.status_flush_due.reset();
  auto c = make_call(api_verb::patch_job_status, st.namespace_, st.job_name,
                     k8s::encode_training_job_status_patch(st.status, ""));
  call(self, std::move(c), [self](const api_result& r) {
    auto& st = self->state;
    st.status_writing = false;
    if (!r.ok && !r.not_found()) {
      st.status_dirty = true;
      st.status_written = {}; // the retry goes out at once
      record_failure(self, "status update", r);
      return;
    }
    if (st.status_dirty)
      write_status(self);
  });
}

void write_annotations(job_self self) {
  auto& st = self->state;
  if (!st.leader || !st.observed)
    return;
  const auto& group = st.settings->api_group;
  k8s::merge_patch patch;
  patch.set_at({"metadata", "annotations", lifecycle::schedule_failures_annotation(group)},
               json_quoted(std::to_string(st.schedule_failures)));
  patch.set_at({"metadata", "annotations", lifecycle::worker_failures_annotation(group)},
               json_quoted(std::to_string(st.worker_failures)));
  patch.set_at({"metadata", "annotations", lifecycle::last_resize_time_annotation(group)},
               st.last_resize_time.empty() ? std::string("null") : json_quoted(st.last_resize_time));
  call(self, make_call(api_verb::patch_job, st.namespace_, st.job_name, patch.encode()),
       [self](const api_result& r) {
         if (!r.ok && !r.not_found())
           record_failure(self, "annotation update", r);
       });
}

void emit_event(job_self self, const lifecycle::event_text& text) {
  auto& st = self->state;
  if (!st.leader || !st.observed)
    return;
  const auto now = now_text(self);
  k8s::event ev;
  ev.name = st.job_name + "."
            + std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 st.settings->wall_clock().time_since_epoch())
                                 .count())
            + std::to_string(++st.event_serial);
  ev.namespace_ = st.namespace_;
  ev.involved_object = {
      st.settings->api_group + "/v1",    "TrainingJob", st.namespace_, st.job_name, st.observed->meta.uid,
      st.observed->meta.resource_version};
  ev.reason = text.reason;
  ev.message = text.message;
  ev.type = text.type;
  ev.source_component = "lattice-operator";
  ev.source_host = st.settings->identity;
  ev.first_timestamp = now;
  ev.last_timestamp = now;
  st.remember(now + " " + text.type + " " + text.reason + ": " + text.message);
  {
    auto scope = observability::log_object(st.namespace_, st.job_name);
    spdlog::info("event {}: {}", text.reason, text.message);
  }
  call(self, make_call(api_verb::create_event, st.namespace_, ev.name, k8s::encode_event(ev)),
       [self](const api_result& r) {
         if (!r.ok)
           record_failure(self, "event", r);
       });
}

void create_worker(job_self self, const scheduling::worker_placement& placement) {
  auto& st = self->state;
  if (!st.leader || !st.observed)
    return;
  lifecycle::worker_pod_input in;
  in.job = *st.observed;
  in.api_group = st.settings->api_group;
  in.index = placement.index;
  in.world_size = st.status.current_size;
  in.node_name = placement.node;
  in.operator_image = st.settings->operator_image;
  in.gpu_resource = st.settings->gpu_resource;
  auto body = lifecycle::build_worker_pod(in);
  const auto name = lifecycle::worker_pod_name(st.job_name, placement.index);
  if (!body) {
    record_failure(self, "building worker pod " + name, api_result{false, 0, body.err().message});
    return;
  }
  {
    auto scope = observability::log_object(st.namespace_, st.job_name);
    spdlog::debug("creating pod {} on node {} (world size {})", name,
                  placement.node.empty() ? std::string("(any)") : placement.node, st.status.current_size);
  }
  st.creating.expect(name);
  call(
      self, make_call(api_verb::create_pod, st.namespace_, name, std::move(body.value())),
      [self, name](const api_result& r) {
        if (r.ok || r.already_exists()) {
          self->state.creating.answered(name, self->clock().now());
          job_detail::check_created(self);
          return; // the watch will show it
        }
        self->state.creating.satisfy(name);
        record_failure(self, "creating pod " + name, r);
      },
      protocol::write_class::start_pods);
  job_detail::note_create_sent(st);
}

void delete_pod(job_self self, const lifecycle::worker_delete& what) {
  auto& st = self->state;
  if (!st.leader)
    return;
  {
    auto scope = observability::log_object(st.namespace_, st.job_name);
    spdlog::info("deleting pod {}{}: {}", what.name, what.force ? " (forced)" : "", what.why);
  }
  st.deleting.expect(what.name);
  auto c = make_call(api_verb::delete_pod, st.namespace_, what.name, {}, what.uid);
  if (what.force)
    c.grace_period_seconds = 0;
  // A live pod's delete frees GPUs a waiting job may be placed on; a
  // finished pod's (cleanPodPolicy) or one already terminating frees
  // nothing now and can wait.
  const auto it = st.pods.find(what.name);
  const bool frees_gpus = it != st.pods.end() && lifecycle::is_live(it->second);
  auto name = what.name;
  call(
      self, std::move(c),
      [self, name](const api_result& r) {
        if (r.ok || r.not_found()) {
          self->state.deleting.answered(name, self->clock().now());
          return;
        }
        self->state.deleting.satisfy(name);
        record_failure(self, "deleting pod " + name, r);
      },
      frees_gpus ? protocol::write_class::free_gpus : protocol::write_class::bookkeeping);
}

void ensure_job_objects(job_self self) {
  auto& st = self->state;
  if (!st.leader || !st.observed)
    return;
  const auto& job = *st.observed;
  const auto& group = st.settings->api_group;
  if (!st.workers_service_created) {
    st.workers_service_created = true;
    const auto port = job.spec.inject_lattice ? 29500 : lifecycle::default_master_port;
    auto svc = lifecycle::encode_owned_service(lifecycle::make_workers_service(job, group, port));
    call(
        self,
        make_call(api_verb::create_service, st.namespace_, lifecycle::workers_service_name(st.job_name), svc),
        [self](const api_result& r) {
          if (r.ok || r.already_exists())
            return;
          self->state.workers_service_created = false;
          record_failure(self, "creating the workers Service", r);
        });
  }
  if (!job.spec.inject_lattice)
    return;
  const auto rdzv = lifecycle::rendezvous_name(st.job_name);
  if (!st.rendezvous_service_created) {
    st.rendezvous_service_created = true;
    auto svc = lifecycle::encode_owned_service(lifecycle::make_rendezvous_service(job, group));
    call(self, make_call(api_verb::create_service, st.namespace_, rdzv, svc), [self](const api_result& r) {
      if (r.ok || r.already_exists())
        return;
      self->state.rendezvous_service_created = false;
      record_failure(self, "creating the rendezvous Service", r);
    });
  }
  if (st.pods.count(rdzv) > 0 || st.creating.pending(rdzv))
    return;
  lifecycle::rendezvous_pod_input in;
  in.job = job;
  in.api_group = group;
  in.operator_image = st.settings->operator_image;
  in.node_selector = st.settings->rendezvous_node_selector;
  in.tolerations_json = st.settings->rendezvous_tolerations_json;
  in.target_size = st.status.current_size;
  auto body = lifecycle::build_rendezvous_pod(in);
  if (!body) {
    record_failure(self, "building the rendezvous pod", api_result{false, 0, body.err().message});
    return;
  }
  st.creating.expect(rdzv);
  call(
      self, make_call(api_verb::create_pod, st.namespace_, rdzv, std::move(body.value())),
      [self, rdzv](const api_result& r) {
        if (r.ok || r.already_exists()) {
          self->state.creating.answered(rdzv, self->clock().now());
          return;
        }
        self->state.creating.satisfy(rdzv);
        record_failure(self, "creating the rendezvous pod", r);
      },
      protocol::write_class::start_pods);
}

void delete_job(job_self self) {
  auto& st = self->state;
  if (!st.leader || !st.observed)
    return;
  {
    auto scope = observability::log_object(st.namespace_, st.job_name);
    spdlog::info("ttlSecondsAfterFinished elapsed, deleting the TrainingJob");
  }
  call(self, make_call(api_verb::delete_job, st.namespace_, st.job_name, {}, st.observed->meta.uid),
       [self](const api_result& r) {
         if (!r.ok && !r.not_found())
           record_failure(self, "deleting the TrainingJob", r);
       });
}

} // namespace lattice::actors
