#include "transition_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

// What the job's transition writes of status.conditions, reason, message,
// gpus and queuePosition, and when.

namespace lattice::lifecycle {
namespace {

namespace json = boost::json;

class job_transition_status : public transition_fixture {
protected:
  /// The status of the step's status write; null when it wrote none.
  json::value written_status(const effects& e) {
    json::value out;
    for (const auto& w : e.writes)
      if (w.verb == k8s::write_verb::patch_job_status)
        out = json::parse(w.body).at("status");
    return out;
  }

  /// The status the flush timer armed by `step` writes when it fires
  /// `delay` later; null when `step` armed none with that delay.
  json::value status_flushed_after(const effects& step, std::chrono::milliseconds delay) {
    for (const auto& t : step.timers)
      if (t.kind == timer_kind::status_flush && t.delay == delay) {
        now.wall += delay;
        now.steady += delay;
        return written_status(answered(on_timer(job, timer_kind::status_flush, t.generation, config, now)));
      }
    ADD_FAILURE() << "no status flush armed in " << delay.count() << "ms";
    return {};
  }

  effects waiting_decision(const std::string& reason, std::optional<std::int32_t> position) {
    return answered(on_decision(job, test::make_decision().reason(reason), config, now, position));
  }
};

const std::string needs = "needs 4 x {nvidia.com/gpu: 2} on any node; largest placement possible now: 1";

TEST_F(job_transition_status, the_first_plan_writes_reason_and_position_at_once_later_moves_wait) {
  auto first = answered(on_job_seen(job, test::make_job().gpus(2).min(2).max(4), config, now));
  auto status = written_status(first);
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status.at("reason").as_string(), "Queued");
  EXPECT_EQ(status.at("gpus"), json::parse(R"({"held":0,"wanted":4})"));
  EXPECT_TRUE(status.at("queuePosition").is_null());
  EXPECT_EQ(status.at("conditions").as_array().size(),
            status.at("execStatus").at("conditions").as_array().size());

  now.wall += 1s;
  status = written_status(waiting_decision(needs, 3));
  ASSERT_TRUE(status.is_object()) << "the planner's first word goes out at once";
  EXPECT_EQ(status.at("reason").as_string(), "InsufficientResources");
  EXPECT_EQ(status.at("message").as_string(), needs);
  EXPECT_EQ(status.at("queuePosition").as_int64(), 3);

  now.wall += 1s;
  const auto moved = waiting_decision(needs, 2);
  EXPECT_TRUE(written_status(moved).is_null()) << "a position moving waits";
  status = status_flushed_after(moved, config.status_message_delay);
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status.at("queuePosition").as_int64(), 2);
}

TEST_F(job_transition_status, admission_clears_the_position_and_mirrors_running) {
  answered(on_job_seen(job, test::make_job().gpus(2).min(2).max(4), config, now));
  waiting_decision(needs, 1);
  const auto d = test::make_decision({{0, "node-a"}, {1, "node-a"}, {2, "node-a"}, {3, "node-a"}})
                     .changed()
                     .all_added()
                     .reason("at maxSize");
  const auto admitted = answered(on_decision(job, d, config, now, std::nullopt));
  EXPECT_FALSE(written_status(admitted).is_object()) << "held for the workers to run";
  const auto status = status_flushed_after(admitted, config.status_flush_delay);
  ASSERT_TRUE(status.is_object());
  EXPECT_TRUE(status.at("queuePosition").is_null());
  EXPECT_EQ(status.at("gpus"), json::parse(R"({"held":8,"wanted":8})"));
  EXPECT_EQ(status.at("reason").as_string(), "Admitted");
  bool running = false;
  for (const auto& c : status.at("conditions").as_array())
    running |= c.at("type").as_string() == "Running" && c.at("status").as_string() == "True"
               && c.at("reason").as_string() == "Admitted";
  EXPECT_TRUE(running) << status.at("conditions");
}

} // namespace
} // namespace lattice::lifecycle
