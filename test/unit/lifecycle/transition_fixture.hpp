#pragma once

// The fixture every job-transition suite shares: job "lattice/resnet" in a
// fresh model, the settings the suites run with, a clock the test moves,
// and steps whose writes are answered ok, as the write dispatcher would.
// Jobs, pods and decisions come from test/support/builders.hpp.

#include "lifecycle/job_transition.hpp"
#include "test/support/builders.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lattice::lifecycle {

// The names the transition suites use.
using k8s::pod_phase;
using namespace std::chrono_literals;
using placements = std::vector<scheduling::worker_placement>;
using test::at;
using test::make_worker;

/// The job, its settings and the time; answering writes.
class transition_fixture : public ::testing::Test {
protected:
  job_config config = [] {
    job_config c;
    c.api_group = lattice::test::group;
    c.operator_image = "breezeml/lattice-operator:0.3.0";
    c.identity = "operator-0";
    return c;
  }();
  job_model job{"lattice", "resnet", std::chrono::seconds(30)};
  instant now{lattice::test::at("2026-11-28T10:00:00Z"), base::steady_time(std::chrono::hours(1))};
  /// The effects of answering the last step's writes.
  effects answers;

  void elapse(std::chrono::milliseconds d) {
    now.wall += d;
    now.steady += d;
  }

  /// Answers every write of `e` ok (the answers' own writes and timers go
  /// to `answers`, unanswered); returns `e`.
  effects answered(effects e) {
    answers = {};
    for (const auto& w : e.writes) {
      auto more = on_write_answered(job, w.verb, w.name, {true, 200, "", false}, config, now);
      for (auto& x : more.writes)
        answers.writes.push_back(std::move(x));
      for (auto& t : more.timers)
        answers.timers.push_back(t);
    }
    return e;
  }
};

/// The leader's steps, each answered ok.
class transition_steps : public transition_fixture {
protected:
  effects seen(k8s::training_job object) {
    return answered(on_job_seen(job, std::move(object), config, now));
  }
  effects pod(k8s::pod p) { return answered(on_pod_seen(job, p, config, now)); }
  effects gone(k8s::pod p) { return answered(on_pod_gone(job, p, config, now)); }
  effects timer(timer_kind kind, std::uint64_t generation) {
    return answered(on_timer(job, kind, generation, config, now));
  }
  /// The autoscaler places the job on `workers` (none: it waits).
  effects decide(const placements& workers, const std::string& reason = "at maxSize") {
    return answered(
        on_decision(job, lattice::test::make_decision(workers).changed().reason(reason), config, now));
  }
  /// A preemption by job `by`.
  effects preempt(const std::string& by) {
    return answered(on_decision(
        job, lattice::test::make_decision().changed().preempted_by(by).reason("no capacity"), config, now));
  }
};

} // namespace lattice::lifecycle
