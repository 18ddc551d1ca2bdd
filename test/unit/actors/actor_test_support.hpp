#pragma once

// Shared by the actor tests: a deterministic actor system (CAF's test
// coordinator: time moves only when a test moves it), a recording stand-in
// for the autoscaler, a fake API gateway, and TrainingJob/pod builders that
// go through the real codec.

#include "actors/actor_clock.hpp"
#include "base/time.hpp"
#include "k8s/codec/decoders.hpp"
#include "protocol/protocol.hpp"
#include "test/support/builders.hpp"
#include "test/support/manual_clock.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lattice::actors::test {

namespace json = boost::json;

using lattice::test::at;
using lattice::test::group;

/// Everything the recording autoscaler received, in order per kind. Job
/// handles are kept as addresses so the inbox never keeps a job actor alive.
struct autoscaler_inbox {
  std::vector<scheduling::job_info> jobs;
  std::vector<caf::actor_addr> job_senders;
  std::vector<protocol::job_gone> jobs_gone;
  std::vector<scheduling::node_info> nodes;
  std::vector<protocol::node_gone> nodes_gone;
  std::vector<bool> leader;
};

/// A stand-in job actor: every decision the autoscaler sends it goes to
/// `on_decision`; every other message is taken and ignored.
inline protocol::job_actor::behavior_type
stand_in_job(protocol::job_actor::pointer, std::function<void(const protocol::job_decision&)> on_decision) {
  return {
      [](const protocol::job_observed&) {},
      [](const protocol::job_undecodable&) {},
      [](const protocol::job_removed&) {},
      [](const protocol::pod_observed&) {},
      [](const protocol::pod_removed&) {},
      [on_decision](const protocol::job_decision& d) { on_decision(d); },
      [](const protocol::requeue_timer&) {},
      [](const protocol::deadline_timer&) {},
      [](const protocol::ttl_timer&) {},
      [](const protocol::resync_timer&) {},
      [](const protocol::status_flush_timer&) {},
      [](const protocol::node_lost&) {},
      [](const protocol::throughput_poll_timer&) {},
      [](const protocol::set_leader&) {},
      [](atoms::summary_atom) { return std::string{"{}"}; },
      [](atoms::inspect_atom) { return std::string{"{}"}; },
  };
}

/// A stand-in job actor that records every decision the autoscaler sends it.
inline protocol::job_actor::behavior_type
recording_job(protocol::job_actor::pointer self, std::shared_ptr<std::vector<scheduling::job_decision>> got) {
  return stand_in_job(self, [got](const protocol::job_decision& d) { got->push_back(d.decision); });
}

/// A stand-in autoscaler that records what it receives and never plans.
inline protocol::autoscaler_actor::behavior_type recording_autoscaler(protocol::autoscaler_actor::pointer,
                                                                      std::shared_ptr<autoscaler_inbox> in) {
  return {
      [in](protocol::job_state& m) {
        in->jobs.push_back(m.info);
        in->job_senders.push_back(caf::actor_cast<caf::actor_addr>(m.job));
      },
      [in](protocol::job_gone& m) { in->jobs_gone.push_back(m); },
      [in](protocol::node_state& m) { in->nodes.push_back(m.info); },
      [in](protocol::node_gone& m) { in->nodes_gone.push_back(m); },
      [](protocol::replan_timer&) {},
      [](protocol::plan_wakeup&) {},
      [in](protocol::set_leader& m) { in->leader.push_back(m.leader); },
      [](atoms::summary_atom) { return std::string(R"({"kind":"autoscaler","name":"autoscaler"})"); },
      [](atoms::inspect_atom) { return std::string(R"({"kind":"autoscaler"})"); },
  };
}

/// What the fake gateway saw, and how it answers (ok unless `answer` says otherwise).
struct gateway_log {
  std::vector<protocol::api_call> calls;
  std::function<protocol::api_result(const protocol::api_call&)> answer;

  std::vector<protocol::api_call> of(protocol::api_verb verb) const {
    std::vector<protocol::api_call> out;
    for (const auto& c : calls)
      if (c.verb == verb)
        out.push_back(c);
    return out;
  }
  std::size_t count(protocol::api_verb verb, const std::string& name) const {
    std::size_t n = 0;
    for (const auto& c : calls)
      n += c.verb == verb && c.name == name;
    return n;
  }
};

inline protocol::gateway_actor::behavior_type fake_gateway(protocol::gateway_actor::pointer,
                                                           std::shared_ptr<gateway_log> log) {
  return {[log](protocol::api_call& call) {
    log->calls.push_back(call);
    return log->answer ? log->answer(call) : protocol::api_result{true, 200, ""};
  }};
}

/// A gateway that holds the calls of one verb (status patches unless told;
/// every call when `held_verb` is empty) until the test sends it the answer
/// for the oldest one (an api_result),
/// and answers every other call at once. Untyped so it can take that
/// message; the job actor only ever sends it api_calls. (A promise must be
/// delivered by its own actor.)
struct held_writes {
  std::optional<protocol::api_verb> held_verb = protocol::api_verb::patch_job_status;
  std::vector<protocol::api_call> calls;
  std::vector<caf::response_promise> waiting;
};

inline caf::behavior holding_gateway(caf::event_based_actor* self, std::shared_ptr<held_writes> held) {
  return {
      [self, held](protocol::api_call& call) -> caf::result<protocol::api_result> {
        held->calls.push_back(call);
        if (held->held_verb && call.verb != *held->held_verb)
          return protocol::api_result{true, 200, ""};
        held->waiting.push_back(self->make_response_promise());
        return held->waiting.back();
      },
      [held](protocol::api_result& answer) {
        if (held->waiting.empty())
          return; // nothing held: the test's own expectations say what is missing
        auto promise = held->waiting.front();
        held->waiting.erase(held->waiting.begin());
        promise.deliver(std::move(answer));
      },
  };
}

/// A fixture owning an actor system on the test coordinator. Actors a test
/// spawns through keep() are stopped in TearDown, and every pending timer is
/// fired so nothing keeps the system from shutting down.
class actor_test : public ::testing::Test {
protected:
  static caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    return cfg;
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_{testing_config(cfg_)};
  caf::scheduler::test_coordinator& sched_ =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler());
  /// The wall clock actors read (it moves only when a test moves it); their
  /// steady clock is CAF's test clock.
  lattice::test::manual_clock wall_{at("2026-11-28T10:00:00Z")};
  std::shared_ptr<actor_clock> clock_ = std::make_shared<actor_clock>(sys_.clock(), wall_);
  std::vector<caf::actor> kept_;

  template <class Handle>
  Handle keep(Handle h) {
    kept_.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  void TearDown() override {
    for (auto& a : kept_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    kept_.clear();
    sched_.run();
    for (int i = 0; i < 100 && (sched_.trigger_timeouts() > 0 || sched_.run() > 0); ++i)
      sched_.run();
  }

  void run() { sched_.run(); }

  /// Moves the actor clock by `d`, firing due timers, and runs everything.
  void wait(caf::timespan d) {
    sched_.advance_time(d);
    sched_.run();
  }

  /// Asks `h` with `xs...` and returns the string answer ("<error>" on error,
  /// "<none>" when nothing came back).
  template <class Handle, class... Ts>
  std::string ask(const Handle& h, Ts&&... xs) {
    caf::scoped_actor s{sys_};
    s->send(h, std::forward<Ts>(xs)...);
    sched_.run();
    std::string answer = "<none>";
    s->receive([&](std::string& text) { answer = std::move(text); },
               [&](caf::error& err) { answer = "<error> " + sys_.render(err); },
               caf::after(std::chrono::seconds(0)) >> [] {});
    return answer;
  }

  std::size_t running_actors() { return sys_.registry().running(); }
};

/// A valid TrainingJob "lattice/resnet" (test/support/builders.hpp's default):
/// uid job-uid-1, generation 1, created 09:00:00Z, minSize 1, maxSize 4, no
/// agent injection, one container with a command asking for one GPU.
inline json::object job_object() {
  return lattice::test::make_job().object();
}

inline json::object& run_policy(json::object& job) {
  return job["spec"].as_object()["runPolicy"].as_object();
}

/// The job decoded by the real codec, after `edit`.
inline k8s::training_job make_job(const std::function<void(json::object&)>& edit = {}) {
  auto job = lattice::test::make_job();
  if (edit)
    job.with(edit);
  return job.build();
}

/// The pod a create_pod call asked for, as the watch would report it once
/// the API server stored it (uid "uid-<name>-<n>") and, unless Pending,
/// the scheduler bound it to the node it is pinned to.
inline k8s::pod pod_from(const protocol::api_call& create, k8s::pod_phase phase, int incarnation = 1) {
  auto pod = k8s::decode_pod(create.body);
  if (!pod) {
    ADD_FAILURE() << pod.err().to_string();
    return {};
  }
  auto out = pod.value();
  out.meta.uid = "uid-" + out.meta.name + "-" + std::to_string(incarnation);
  out.phase = phase;
  if (phase != k8s::pod_phase::pending)
    out.node_name = out.meta.annotations[group + "/node"];
  return out;
}

/// A parsed JSON body.
inline json::object body_of(const protocol::api_call& call) {
  return json::parse(call.body).as_object();
}

/// The status object of a patch_job_status body.
inline json::object status_of(const protocol::api_call& call) {
  return body_of(call).at("status").as_object();
}

/// The status of condition `type` ("True"/"False") in a status object, "" when absent.
inline std::string condition(const json::object& status, const std::string& type,
                             std::string* reason = nullptr) {
  for (const auto& c : status.at("execStatus").at("conditions").as_array())
    if (c.at("type").as_string() == type) {
      if (reason)
        *reason = std::string(c.at("reason").as_string());
      return std::string(c.at("status").as_string());
    }
  return "";
}

/// A string member, "" when absent or null.
inline std::string text(const json::object& o, const std::string& key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

} // namespace lattice::actors::test
