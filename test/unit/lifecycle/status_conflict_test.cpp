#include "transition_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

// Status writes carry the resourceVersion they were decided on, so a stale
// writer (a replica that lost its Lease) gets 409 instead of overwriting a
// newer status; a 409 is decided afresh on the version the watch brings,
// and nothing is lost.

namespace lattice::lifecycle {
namespace {

namespace json = boost::json;

class status_conflict : public transition_fixture {
protected:
  /// The status writes among `e`'s writes.
  static std::vector<k8s::write> status_writes(const effects& e) {
    std::vector<k8s::write> out;
    for (const auto& w : e.writes)
      if (w.verb == k8s::write_verb::patch_job_status)
        out.push_back(w);
    return out;
  }

  static std::string version_of(const k8s::write& w) {
    const auto body = json::parse(w.body).as_object();
    const auto* meta = body.if_contains("metadata");
    if (!meta)
      return "";
    return json::value_to<std::string>(meta->as_object().at("resourceVersion"));
  }

  effects answer_status(int status) {
    return on_write_answered(job, k8s::write_verb::patch_job_status, "resnet",
                             {status >= 200 && status < 300, status, "", false}, config, now);
  }
};

TEST_F(status_conflict, a_status_write_is_a_merge_patch_on_the_version_it_was_decided_on) {
  auto e = on_job_seen(job, test::make_job().resource_version("41"), config, now);
  auto writes = status_writes(e);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(version_of(writes[0]), "41") << writes[0].body;
}

TEST_F(status_conflict, a_conflict_waits_for_the_newer_version_then_writes_the_fresh_decision) {
  auto first = status_writes(on_job_seen(job, test::make_job().resource_version("41"), config, now));
  ASSERT_EQ(first.size(), 1u);
  // Another writer changed the job: 409, and the watch has not shown it yet.
  auto after_conflict = answer_status(409);
  EXPECT_TRUE(status_writes(after_conflict).empty()) << "the same version would conflict again";
  // A timer or pod event before the watch delivers does not resend on 41 either.
  EXPECT_TRUE(status_writes(on_timer(job, timer_kind::resync, job.timers.resync, config, now)).empty());
  // The watch brings version 42 (say, another writer's status): the status is
  // decided afresh and written on 42.
  auto retried = status_writes(on_job_seen(job, test::make_job().resource_version("42"), config, now));
  ASSERT_EQ(retried.size(), 1u) << "nothing is lost: the status is written again";
  EXPECT_EQ(version_of(retried[0]), "42");
  EXPECT_NE(retried[0].body.find("Waiting"), std::string::npos) << retried[0].body;
  EXPECT_TRUE(status_writes(answer_status(200)).empty());
}

TEST_F(status_conflict, a_conflict_after_the_watch_brought_the_newer_version_is_written_again_at_once) {
  ASSERT_EQ(status_writes(on_job_seen(job, test::make_job().resource_version("41"), config, now)).size(), 1u);
  // The watch delivers 42 while the write based on 41 is in flight...
  EXPECT_TRUE(status_writes(on_job_seen(job, test::make_job().resource_version("42"), config, now)).empty())
      << "one status write in flight at a time";
  // ... which then conflicts: written again on 42 at once.
  auto retried = status_writes(answer_status(409));
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(version_of(retried[0]), "42");
}

} // namespace
} // namespace lattice::lifecycle
