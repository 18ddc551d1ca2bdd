#include "actors/job_actor.hpp"

#include "actors/actor_clock.hpp"
#include "lifecycle/job_inspect.hpp"
#include "lifecycle/job_throughput.hpp"
#include "lifecycle/job_transition.hpp"
#include "lifecycle/node_loss.hpp"
#include "observability/json_log.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace lattice::actors {
namespace {

using self_pointer = protocol::job_actor::stateful_pointer<job_actor_state>;
using lifecycle::timer_kind;

protocol::job_actor::behavior_type leading(self_pointer self);
protocol::job_actor::behavior_type standby(self_pointer self);

lifecycle::instant now(self_pointer self) {
  const auto& clock = *self->state.settings->clock;
  return {clock.wall(), clock.steady()};
}

const lifecycle::job_config& config(self_pointer self) {
  return self->state.settings->config;
}

void carry_out(self_pointer self, lifecycle::effects out);

/// The answer to a write comes back as an event, in whichever mode the
/// actor is by then.
void answered(self_pointer self, k8s::write_verb verb, const std::string& name,
              const lifecycle::write_result& r) {
  auto& st = self->state;
  carry_out(self, st.leading
                      ? lifecycle::on_write_answered(st.model, verb, name, r, config(self), now(self))
                      : lifecycle::follow_write_answered(st.model, verb, name, r, config(self), now(self)));
}

/// Sends `w` to the write dispatcher. No CAF timeout: the dispatcher always
/// answers (the REST client has its own deadlines and retries), and a
/// CAF-side timeout would let the job retry a write still queued.
void send_write(self_pointer self, k8s::write w) {
  const auto& settings = *self->state.settings;
  // Writes sent and not yet answered, over all gateways: the backlog a slow
  // API server builds up. Counted down when the handlers go: answered, or
  // the actor quit first. The deleter holds the metrics: they may outlive
  // the actor's state.
  std::shared_ptr<void> in_backlog;
  if (const auto& m = settings.metrics) {
    auto* gauge = &m->actor_mailbox_size("gateways");
    gauge->Increment();
    in_backlog.reset(gauge, [m](void* g) { static_cast<prometheus::Gauge*>(g)->Decrement(); });
  }
  const auto verb = w.verb;
  auto name = w.name;
  self->request(settings.writes, caf::infinite, std::move(w))
      .then(
          [self, verb, name, in_backlog](protocol::api_result& r) {
            answered(self, verb, name, {r.ok, r.status, std::move(r.message), r.cancelled});
          },
          [self, verb, name, in_backlog](caf::error& err) {
            // The dispatcher stops only with the operator: a write that
            // finds it gone is dropped at shutdown.
            answered(self, verb, name,
                     {false, 0,
                      std::string(k8s::to_string(verb)) + " " + name + ": " + self->system().render(err),
                      err == caf::sec::request_receiver_down});
          });
}

void arm_timer(self_pointer self, const lifecycle::timer_request& t) {
  switch (t.kind) {
  case timer_kind::requeue:
    self->delayed_send(self, t.delay, protocol::requeue_timer{t.generation});
    return;
  case timer_kind::deadline:
    self->delayed_send(self, t.delay, protocol::deadline_timer{t.generation});
    return;
  case timer_kind::ttl:
    self->delayed_send(self, t.delay, protocol::ttl_timer{t.generation});
    return;
  case timer_kind::resync:
    self->delayed_send(self, t.delay, protocol::resync_timer{t.generation});
    return;
  case timer_kind::status_flush:
    self->delayed_send(self, t.delay, protocol::status_flush_timer{t.generation});
    return;
  }
}

void record(observability::metrics& m, const lifecycle::metric_sample& s) {
  using lifecycle::metric_kind;
  switch (s.kind) {
  case metric_kind::admission:
    m.admissions().Increment();
    return;
  case metric_kind::resize:
    m.resizes(s.label).Increment();
    return;
  case metric_kind::preemption:
    m.preemptions(s.label).Increment();
    return;
  case metric_kind::requeue:
    m.requeues(s.label).Increment();
    return;
  case metric_kind::job_failure:
    m.job_failures(s.label).Increment();
    return;
  case metric_kind::apply_to_running:
    m.apply_to_running_latency().Observe(s.value);
    return;
  case metric_kind::apply_to_created:
    m.apply_to_created_latency().Observe(s.value);
    return;
  case metric_kind::admission_wait:
    m.admission_wait().Observe(s.value);
    return;
  }
}

/// The jobs-by-stage gauge counts the job under its stage while this
/// replica leads, and nowhere while it stands by or once it is gone.
void count_stage(self_pointer self, std::optional<lifecycle::stage> counted) {
  auto& st = self->state;
  const auto* metrics = st.settings->metrics.get();
  if (counted == lifecycle::stage::unset)
    counted.reset();
  if (!metrics || counted == st.gauge_stage)
    return;
  if (st.gauge_stage)
    st.settings->metrics->job_stage(st.model.namespace_, std::string(to_api(*st.gauge_stage))).Decrement();
  if (counted)
    st.settings->metrics->job_stage(st.model.namespace_, std::string(to_api(*counted))).Increment();
  st.gauge_stage = counted;
}

void carry_out(self_pointer self, lifecycle::effects out) {
  auto& st = self->state;
  if (!out.logs.empty()) {
    auto scope = observability::log_object(st.model.namespace_, st.model.name);
    for (const auto& line : out.logs)
      if (line.level == lifecycle::log_level::warn)
        spdlog::warn("{}", line.text);
      else
        spdlog::info("{}", line.text);
  }
  for (auto& w : out.writes)
    send_write(self, std::move(w));
  for (const auto& t : out.timers)
    arm_timer(self, t);
  if (out.report) {
    const auto& autoscaler = st.settings->autoscaler;
    if (out.report->info)
      self->send(autoscaler, protocol::job_state{std::move(*out.report->info),
                                                 caf::actor_cast<protocol::job_actor>(self)});
    else
      self->send(autoscaler, protocol::job_gone{st.model.namespace_, st.model.name});
  }
  if (const auto& metrics = st.settings->metrics)
    for (const auto& sample : out.metrics)
      record(*metrics, sample);
  count_stage(self, st.leading ? std::optional<lifecycle::stage>(st.model.status.stage) : std::nullopt);
}

void removed(self_pointer self) {
  carry_out(self, lifecycle::on_job_removed(self->state.model));
  count_stage(self, std::nullopt);
  self->quit();
}

/// The throughput poll loop: one timer for the actor's life, re-armed each
/// time; only the leader asks. The request goes to a probe actor (the
/// blocking HTTP is there) with the poll interval as its CAF timeout, so a
/// probe backlog never answers with reports older than one interval.
void poll_throughput(self_pointer self) {
  auto& st = self->state;
  const auto& settings = *st.settings;
  const auto interval = settings.throughput_poll_interval;
  self->delayed_send(self, interval, protocol::throughput_poll_timer{});
  if (!st.leading || st.probe_in_flight)
    return;
  auto target = lifecycle::throughput_probe_target_of(st.model, config(self));
  if (!target) {
    if (st.model.status.throughput)
      carry_out(self, lifecycle::on_throughput_idle(st.model, config(self), now(self)));
    return;
  }
  const auto& probe = settings.probes[std::hash<std::string>{}(st.model.key()) % settings.probes.size()];
  st.probe_in_flight = true;
  auto pod = target->pod;
  auto answered = [self](const lifecycle::throughput_answer& a) {
    self->state.probe_in_flight = false;
    if (self->state.leading)
      carry_out(self, lifecycle::on_throughput_answer(self->state.model, a, config(self), now(self)));
  };
  self->request(probe, interval,
                protocol::throughput_probe{target->ip, target->port, "/throughput",
                                           std::chrono::steady_clock::now() + interval})
      .then(
          [answered, pod](protocol::probe_result& r) {
            answered({pod, r.ok, std::move(r.body), std::move(r.error)});
          },
          [self, answered, pod](caf::error& err) {
            answered({pod, false, {}, self->system().render(err)});
          });
}

/// Starts the poll loop at a point of the interval that depends on the job,
/// so jobs created together are not all asked at once.
void start_throughput_polling(self_pointer self) {
  const auto& settings = *self->state.settings;
  const auto interval = settings.throughput_poll_interval;
  if (interval <= std::chrono::milliseconds(0) || settings.probes.empty())
    return;
  const auto offset =
      std::hash<std::string>{}(self->state.model.key()) % static_cast<std::size_t>(interval.count());
  self->delayed_send(self, std::chrono::milliseconds(static_cast<std::int64_t>(offset) + 1),
                     protocol::throughput_poll_timer{});
}

std::string summary(self_pointer self) {
  return lifecycle::summary_json(self->state.model, self->mailbox().size());
}

std::string inspect(self_pointer self) {
  return lifecycle::inspect_json(self->state.model, self->state.leading, self->mailbox().size());
}

protocol::job_actor::behavior_type leading(self_pointer self) {
  auto& m = self->state.model;
  return {
      [self, &m](protocol::job_observed& msg) {
        carry_out(self, lifecycle::on_job_seen(m, std::move(msg.job), config(self), now(self)));
      },
      [self, &m](protocol::job_undecodable& msg) {
        carry_out(self, lifecycle::on_job_undecodable(m, std::move(msg.job), {msg.field, msg.message},
                                                      config(self), now(self)));
      },
      [self](protocol::job_removed&) { removed(self); },
      [self, &m](protocol::pod_observed& msg) {
        carry_out(self, lifecycle::on_pod_seen(m, msg.pod, config(self), now(self)));
      },
      [self, &m](protocol::pod_removed& msg) {
        carry_out(self, lifecycle::on_pod_gone(m, msg.pod, config(self), now(self)));
      },
      [self, &m](protocol::job_decision& msg) {
        carry_out(self, lifecycle::on_decision(m, msg.decision, config(self), now(self),
                                               msg.queue_position > 0
                                                   ? std::optional<std::int32_t>(msg.queue_position)
                                                   : std::nullopt));
      },
      [self, &m](protocol::requeue_timer& t) {
        carry_out(self, lifecycle::on_timer(m, timer_kind::requeue, t.generation, config(self), now(self)));
      },
      [self, &m](protocol::deadline_timer& t) {
        carry_out(self, lifecycle::on_timer(m, timer_kind::deadline, t.generation, config(self), now(self)));
      },
      [self, &m](protocol::ttl_timer& t) {
        carry_out(self, lifecycle::on_timer(m, timer_kind::ttl, t.generation, config(self), now(self)));
      },
      [self, &m](protocol::resync_timer& t) {
        carry_out(self, lifecycle::on_timer(m, timer_kind::resync, t.generation, config(self), now(self)));
      },
      [self, &m](protocol::status_flush_timer& t) {
        carry_out(self,
                  lifecycle::on_timer(m, timer_kind::status_flush, t.generation, config(self), now(self)));
      },
      [self, &m](protocol::node_lost& msg) {
        carry_out(self, lifecycle::on_node_lost(m, msg.node, lifecycle::node_loss_from(msg.loss),
                                                config(self), now(self)));
      },
      [self](protocol::throughput_poll_timer&) { poll_throughput(self); },
      [self, &m](protocol::set_leader& msg) {
        if (msg.leader)
          return;
        self->state.leading = false;
        self->become(standby(self));
        carry_out(self, lifecycle::on_lead_lost(m, config(self), now(self)));
      },
      [self](atoms::summary_atom) { return summary(self); },
      [self](atoms::inspect_atom) { return inspect(self); },
  };
}

protocol::job_actor::behavior_type standby(self_pointer self) {
  auto& m = self->state.model;
  return {
      [self, &m](protocol::job_observed& msg) {
        carry_out(self, lifecycle::follow_job_seen(m, std::move(msg.job), config(self), now(self)));
      },
      [self, &m](protocol::job_undecodable& msg) {
        carry_out(self, lifecycle::follow_job_undecodable(m, std::move(msg.job), {msg.field, msg.message},
                                                          config(self), now(self)));
      },
      [self](protocol::job_removed&) { removed(self); },
      [self, &m](protocol::pod_observed& msg) {
        carry_out(self, lifecycle::follow_pod_seen(m, msg.pod, config(self), now(self)));
      },
      [self, &m](protocol::pod_removed& msg) {
        carry_out(self, lifecycle::follow_pod_gone(m, msg.pod, config(self), now(self)));
      },
      [](protocol::job_decision&) {}, // only the leader's autoscaler decides
      [self, &m](protocol::requeue_timer& t) {
        carry_out(self,
                  lifecycle::follow_timer(m, timer_kind::requeue, t.generation, config(self), now(self)));
      },
      [self, &m](protocol::deadline_timer& t) {
        carry_out(self,
                  lifecycle::follow_timer(m, timer_kind::deadline, t.generation, config(self), now(self)));
      },
      [self, &m](protocol::ttl_timer& t) {
        carry_out(self, lifecycle::follow_timer(m, timer_kind::ttl, t.generation, config(self), now(self)));
      },
      [self, &m](protocol::resync_timer& t) {
        carry_out(self,
                  lifecycle::follow_timer(m, timer_kind::resync, t.generation, config(self), now(self)));
      },
      [self, &m](protocol::status_flush_timer& t) {
        carry_out(self, lifecycle::follow_timer(m, timer_kind::status_flush, t.generation, config(self),
                                                now(self)));
      },
      [self, &m](protocol::node_lost& msg) {
        carry_out(self, lifecycle::follow_node_lost(m, msg.node, lifecycle::node_loss_from(msg.loss),
                                                    config(self), now(self)));
      },
      [self](protocol::throughput_poll_timer&) { poll_throughput(self); },
      [self, &m](protocol::set_leader& msg) {
        if (!msg.leader)
          return;
        self->state.leading = true;
        self->become(leading(self));
        carry_out(self, lifecycle::on_lead_gained(m, config(self), now(self)));
      },
      [self](atoms::summary_atom) { return summary(self); },
      [self](atoms::inspect_atom) { return inspect(self); },
  };
}

} // namespace

protocol::job_actor::behavior_type job_actor(self_pointer self, std::shared_ptr<const job_settings> settings,
                                             std::string namespace_, std::string name, bool lead) {
  auto& st = self->state;
  const auto timeout = settings->config.expectation_timeout;
  st.settings = std::move(settings);
  st.model = lifecycle::job_model(std::move(namespace_), std::move(name), timeout);
  st.leading = lead;
  start_throughput_polling(self);
  return lead ? leading(self) : standby(self);
}

protocol::job_actor spawn_job_actor(caf::actor_system& sys, job_settings settings, std::string namespace_,
                                    std::string name, bool leading) {
  if (!settings.clock)
    settings.clock = std::make_shared<actor_clock>(sys.clock(), base::system_clock());
  return sys.spawn(job_actor, std::make_shared<const job_settings>(std::move(settings)),
                   std::move(namespace_), std::move(name), leading);
}

} // namespace lattice::actors
