#include "lifecycle/snapshot_conversion.hpp"
#include "transition_fixture.hpp"

namespace lattice::lifecycle {
namespace {

class attained_service : public transition_steps {};

TEST_F(attained_service, each_resize_banks_the_gpu_time_at_the_old_size_in_an_annotation) {
  seen(test::make_job().gpus(2));
  decide({{0, "node-a"}, {1, "node-b"}});
  EXPECT_EQ(job.persisted.attained_service, 0);
  elapse(10min);
  auto e = decide({{0, "node-a"}, {1, "node-b"}, {2, "node-c"}});
  // 2 workers x 2 GPUs x 600 s.
  EXPECT_DOUBLE_EQ(job.persisted.attained_service, 2400);
  bool written = false;
  for (const auto& w : e.writes)
    written |= w.verb == k8s::write_verb::patch_job
               && w.body.find(R"("breezeml.ai/attained-service":"2400")") != std::string::npos;
  EXPECT_TRUE(written) << "persisted with the new last-resize-time";
  auto info = to_job_info(job);
  ASSERT_TRUE(info);
  EXPECT_DOUBLE_EQ(info->banked_service, 2400) << "the planner adds the time since the last resize itself";
  EXPECT_FALSE(info->attained_service);
  elapse(5min);
  preempt("lattice/bert");
  EXPECT_DOUBLE_EQ(job.persisted.attained_service, 2400 + 3 * 2 * 300);
}

TEST_F(attained_service, survives_a_restart_through_the_annotation) {
  const auto stored = test::make_job()
                          .stage("Running")
                          .size(1)
                          .annotation(test::group + "/attained-service", "7200")
                          .annotation(test::group + "/last-resize-time", "2026-11-28T09:00:00Z")
                          .build();
  auto model = test::make_model(stored, {make_worker(0, pod_phase::running, "node-a", 1)});
  EXPECT_DOUBLE_EQ(model.persisted.attained_service, 7200);
  EXPECT_DOUBLE_EQ(to_job_info(model)->banked_service, 7200);
  auto bad = test::make_model(test::make_job().annotation(test::group + "/attained-service", "lots").build());
  EXPECT_DOUBLE_EQ(bad.persisted.attained_service, 0) << "malformed reads as none";
}

} // namespace
} // namespace lattice::lifecycle
