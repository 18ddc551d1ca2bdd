#pragma once

// The job actor against a fake gateway and a recording autoscaler. The wall
// clock (the fixture's manual clock) and the actor clock move together through
// elapse(); pods appear only when a test "materializes" the pods the actor
// asked the gateway to create, as the watch would report them.

#include "actor_test_support.hpp"
#include "actors/job_actor.hpp"
#include "lifecycle/worker_pod.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lattice::actors::test {

using protocol::api_verb;
using scheduling::worker_placement;

class job_actor_test : public actor_test {
protected:
  std::shared_ptr<autoscaler_inbox> inbox_ = std::make_shared<autoscaler_inbox>();
  std::shared_ptr<gateway_log> log_ = std::make_shared<gateway_log>();
  protocol::autoscaler_actor autoscaler_ = keep(sys_.spawn(recording_autoscaler, inbox_));
  protocol::gateway_actor gateway_ = keep(sys_.spawn(fake_gateway, log_));
  protocol::job_actor job_;
  /// The pods as the watch last reported them, by name.
  std::map<std::string, k8s::pod> pods_;
  std::size_t materialized_ = 0;
  std::map<std::string, int> incarnations_;
  static constexpr std::chrono::seconds status_flush_delay{1};

  job_settings settings() {
    job_settings s;
    s.config.api_group = group;
    s.config.operator_image = "breezeml/lattice-operator:0.3.0";
    s.config.expectation_timeout = std::chrono::seconds(30);
    s.config.resync_interval = std::chrono::seconds(5);
    s.config.status_flush_delay = status_flush_delay;
    s.config.identity = "operator-0";
    s.writes = gateway_;
    s.autoscaler = autoscaler_;
    s.clock = clock_;
    return s;
  }

  void start(bool leader = true) {
    job_ = keep(spawn_job_actor(sys_, settings(), "lattice", "resnet", leader));
    run();
  }

  template <class Msg>
  void send(Msg msg) {
    caf::anon_send(job_, std::move(msg));
    run();
  }

  void observe(k8s::training_job job) { send(protocol::job_observed{std::move(job)}); }

  /// The wall clock and the actor clock move together.
  void elapse(caf::timespan d) {
    wall_.advance(d);
    wait(d);
  }

  void decide_running(const std::vector<worker_placement>& workers, std::string reason = "at maxSize") {
    send(protocol::job_decision{
        lattice::test::make_decision(workers).all_added().changed().reason(std::move(reason)).build()});
  }

  void decide_waiting(std::string preempted_by, std::string reason = "no capacity") {
    send(protocol::job_decision{lattice::test::make_decision()
                                    .changed()
                                    .preempted_by(std::move(preempted_by))
                                    .reason(std::move(reason))
                                    .build()});
  }

  /// Every pod created since the last call shows up in the watch in `phase`.
  void materialize(k8s::pod_phase phase) {
    const auto creates = log_->of(api_verb::create_pod);
    for (; materialized_ < creates.size(); ++materialized_) {
      const auto& call = creates[materialized_];
      auto pod = pod_from(call, phase, ++incarnations_[call.name]);
      pods_[pod.meta.name] = pod;
      send(protocol::pod_observed{pod});
    }
  }

  /// Pod `name` moves to `phase` (bound to its pinned node unless Pending).
  void set_phase(const std::string& name, k8s::pod_phase phase, const std::string& reason = "") {
    auto& pod = pods_.at(name);
    pod.phase = phase;
    pod.reason = reason;
    if (phase != k8s::pod_phase::pending && pod.node_name.empty())
      pod.node_name = pod.meta.annotations[group + "/node"];
    send(protocol::pod_observed{pod});
  }

  /// The watch reports pod `name` deleted.
  void remove_pod(const std::string& name) {
    auto pod = pods_.at(name);
    pods_.erase(name);
    send(protocol::pod_removed{pod});
  }

  std::vector<protocol::api_call> calls(api_verb verb) const { return log_->of(verb); }

  std::vector<std::string> names(api_verb verb) const {
    std::vector<std::string> out;
    for (const auto& c : log_->of(verb))
      out.push_back(c.name);
    return out;
  }

  /// The status of the last status patch (fails the test when there is none).
  json::object last_status() {
    const auto patches = calls(api_verb::patch_job_status);
    if (patches.empty()) {
      ADD_FAILURE() << "no status patch";
      return json::object{{"execStatus", json::object{{"conditions", json::array{}}}}};
    }
    return status_of(patches.back());
  }

  /// Reasons of the Events created so far, in order.
  std::vector<std::string> event_reasons() const {
    std::vector<std::string> out;
    for (const auto& c : log_->of(api_verb::create_event))
      out.push_back(text(body_of(c), "reason"));
    return out;
  }

  /// The last annotation patch's metadata.annotations.
  json::object last_annotations() {
    const auto patches = calls(api_verb::patch_job);
    if (patches.empty()) {
      ADD_FAILURE() << "no annotation patch";
      return {};
    }
    return body_of(patches.back()).at("metadata").at("annotations").as_object();
  }

  json::object inspect() { return json::parse(ask(job_, atoms::inspect_atom_v)).as_object(); }

  /// Worker `index` of `job` as a previous leader (or process) created it for
  /// `world_size` workers on `node`, as the watch reports it; recorded in pods_.
  k8s::pod existing_worker(const k8s::training_job& job, int index, int world_size, const std::string& node,
                           k8s::pod_phase phase) {
    lifecycle::worker_pod_input in;
    in.api_group = group;
    in.index = index;
    in.world_size = world_size;
    in.node_name = node;
    auto body = lifecycle::build_worker_pod(job, in);
    if (!body) {
      ADD_FAILURE() << body.err().to_string();
      return {};
    }
    protocol::api_call created;
    created.body = body.value();
    auto pod = pod_from(created, phase);
    pods_[pod.meta.name] = pod;
    return pod;
  }

  /// A running job of size 2 on node-a and node-b, both workers Running.
  void run_two_workers(const k8s::training_job& job) {
    start();
    observe(job);
    decide_running({{0, "node-a"}, {1, "node-b"}});
    materialize(k8s::pod_phase::running);
    wait(status_flush_delay); // the replica counts are written (actor clock only: times stay put)
  }
};

} // namespace lattice::actors::test

namespace lattice::actors {

// The names every job actor suite uses.
using k8s::pod_phase;
using namespace std::chrono_literals;
using protocol::api_verb;
using test::condition;
using test::text;
namespace json = boost::json;

} // namespace lattice::actors
