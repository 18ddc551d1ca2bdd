// A TrainingJob version the decoder refused: only its metadata (and status)
// reach the job, which says why as a spec failing validation does, leaves
// the queue, deletes nothing, and runs once a later version decodes.
#include "test/support/effects_text.hpp"
#include "transition_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lattice::lifecycle {
namespace {

/// What the decoder could read of `object` alone: metadata and status.
k8s::training_job salvaged(const k8s::training_job& object) {
  k8s::training_job out;
  out.meta = object.meta;
  out.status = object.status;
  return out;
}

const field_problem refused_priority{"spec.priority",
                                     "must be between -2147483648 and 2147483647 (got 3000000000)"};

class job_transition_decode : public transition_fixture {
protected:
  effects refused(const k8s::training_job& object) {
    return answered(on_job_undecodable(job, salvaged(object), refused_priority, config, now));
  }
};

bool has_line(const effects& e, const std::string& prefix) {
  for (const auto& line : test::describe(e))
    if (line.rfind(prefix, 0) == 0)
      return true;
  return false;
}

TEST_F(job_transition_decode, a_refused_new_job_gets_invalid_spec_and_an_event_and_runs_once_fixed) {
  EXPECT_EFFECTS(refused(test::make_job()),
                 {
                     "create_event Warning Invalid: invalid spec, the job will not run until it is fixed: "
                     "spec.priority: must be between -2147483648 and 2147483647 (got 3000000000) "
                     "[bookkeeping ordered]",
                     "patch_job_status resnet stage=- size=0 Invalid=True(InvalidSpec) [bookkeeping ordered]",
                     "log warn: TrainingJob refused by the decoder: spec.priority: must be between "
                     "-2147483648 and 2147483647 (got 3000000000)",
                     "log info: event Invalid: invalid spec, the job will not run until it is fixed: "
                     "spec.priority: must be between -2147483648 and 2147483647 (got 3000000000)",
                 });
  EXPECT_EFFECTS(refused(test::make_job()), {}) << "the same version again: said already";
  EXPECT_EFFECTS(
      answered(on_job_seen(job, test::make_job().generation(2), config, now)),
      {
          "patch_job_status resnet stage=Waiting size=0 Invalid=False Created=True(TrainingJobCreated) "
          "Queued=True(Queued) Worker=0/0/0 [bookkeeping ordered]",
          "report waiting",
      })
      << "fixed: the job joins the queue";
}

TEST_F(job_transition_decode, a_running_job_whose_edit_is_refused_leaves_the_queue_and_deletes_nothing) {
  answered(on_job_seen(job, test::make_job().min(2), config, now));
  answered(on_decision(job, test::make_decision({{0, "node-a"}, {1, "node-b"}}).changed(), config, now));
  answered(on_pod_seen(job, test::make_worker(0, pod_phase::running, "node-a", 2), config, now));
  answered(on_pod_seen(job, test::make_worker(1, pod_phase::running, "node-b", 2), config, now));

  const auto out = refused(test::make_job().generation(2));
  EXPECT_TRUE(has_line(out, "create_event Warning Invalid:"));
  EXPECT_TRUE(has_line(out, "patch_job_status resnet stage=Running size=2"));
  EXPECT_TRUE(has_line(out, "report gone")) << "its GPUs go back to the autoscaler";
  EXPECT_FALSE(has_line(out, "delete_pod")) << "an edit that cannot be read deletes nothing";
  // Pod events while refused delete nothing either.
  const auto pod_out =
      answered(on_pod_seen(job, test::make_worker(1, pod_phase::running, "node-b", 2), config, now));
  EXPECT_FALSE(has_line(pod_out, "delete_pod"));
  EXPECT_EQ(job.object->spec.min_size, 2) << "the last decoded spec stays";
}

TEST_F(job_transition_decode, a_standby_writes_nothing_for_a_refused_job) {
  const auto out = follow_job_undecodable(job, salvaged(test::make_job()), refused_priority, config, now);
  EXPECT_TRUE(out.writes.empty());
  EXPECT_EQ(job.invalid_message,
            "spec.priority: must be between -2147483648 and 2147483647 (got 3000000000)");
}

} // namespace
} // namespace lattice::lifecycle
