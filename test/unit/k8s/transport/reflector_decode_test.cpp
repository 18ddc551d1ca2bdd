// An object the decoder refuses never stops a watch: it is skipped, reported
// once per version, and the watch goes on past it.
#include "test/unit/k8s/transport/reflector_harness.hpp"

#include <gtest/gtest.h>

namespace lattice::k8s {
namespace {

using test::event_json;
using test::fake_transport;
using test::gone_event_json;
using test::list_json;
using test::query_value;
using test::reflector_harness;
using test::refused_thing_json;
using test::thing_json;

using strings = std::vector<std::string>;

TEST(reflector_decode, a_refused_object_is_skipped_and_the_watch_goes_on_past_it) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({}, "10"))};
  h.transport->streams = {h.stream({event_json("ADDED", thing_json("a", "x", "11", 1)),
                                    event_json("ADDED", refused_thing_json("a", "bad", "12")),
                                    event_json("ADDED", thing_json("a", "y", "13", 1))}),
                          h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  EXPECT_EQ(h.deltas, (strings{"added x@11", "added y@13"}));
  EXPECT_EQ(h.refused, (strings{"bad@12 spec.value"}));
  EXPECT_TRUE(h.errors.empty());
  // The next watch resumes past the refused object, not before it.
  ASSERT_EQ(h.transport->watch_requests.size(), 2u);
  EXPECT_EQ(query_value(h.transport->watch_requests[1].target, "resourceVersion"), "13");
  EXPECT_EQ(h.reflector->stats().undecodable, 1u);
}

TEST(reflector_decode, an_edit_that_is_refused_keeps_the_stored_version_and_a_delete_still_removes_it) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({thing_json("a", "p", "3", 1)}, "10"))};
  h.transport->streams = {h.stream({event_json("MODIFIED", refused_thing_json("a", "p", "11"))}),
                          h.stream({event_json("DELETED", refused_thing_json("a", "p", "12"))}), h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  // No delete for the refused edit; the deletion reports the last good version.
  EXPECT_EQ(h.deltas, (strings{"added p@3", "deleted p@3"}));
  EXPECT_EQ(h.refused, (strings{"p@11 spec.value"}));
  EXPECT_EQ(h.reflector->size(), 0u);
}

TEST(reflector_decode, a_relist_reports_a_refused_version_once_and_a_new_version_again) {
  reflector_harness h;
  h.transport->answers = {
      fake_transport::ok(list_json({refused_thing_json("a", "q", "5"), thing_json("a", "p", "3", 1)}, "10")),
      fake_transport::ok(list_json({refused_thing_json("a", "q", "5"), thing_json("a", "p", "3", 1)}, "20")),
      fake_transport::ok(list_json({refused_thing_json("a", "q", "6"), thing_json("a", "p", "3", 1)}, "30"))};
  h.transport->streams = {h.stream({gone_event_json()}), h.stream({gone_event_json()}), h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  EXPECT_EQ(h.deltas, (strings{"added p@3"}));
  EXPECT_EQ(h.refused, (strings{"q@5 spec.value", "q@6 spec.value"}));
  EXPECT_EQ(h.reflector->size(), 1u);
}

TEST(reflector_decode, a_relist_keeps_the_stored_version_of_an_item_now_refused_until_it_decodes) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({thing_json("a", "p", "3", 1)}, "10")),
                          fake_transport::ok(list_json({refused_thing_json("a", "p", "4")}, "20")),
                          fake_transport::ok(list_json({thing_json("a", "p", "5", 2)}, "30"))};
  h.transport->streams = {h.stream({gone_event_json()}), h.stream({gone_event_json()}), h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  EXPECT_EQ(h.deltas, (strings{"added p@3", "updated p@5"}));
  EXPECT_EQ(h.refused, (strings{"p@4 spec.value"}));
}

TEST(reflector_decode, a_fixed_object_is_delivered_and_a_later_refusal_is_news_again) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({}, "10"))};
  h.transport->streams = {h.stream({event_json("ADDED", refused_thing_json("a", "j", "11")),
                                    event_json("MODIFIED", thing_json("a", "j", "12", 1)),
                                    event_json("MODIFIED", refused_thing_json("a", "j", "13"))}),
                          h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  EXPECT_EQ(h.deltas, (strings{"added j@12"}));
  EXPECT_EQ(h.refused, (strings{"j@11 spec.value", "j@13 spec.value"}));
}

TEST(reflector_decode, a_refused_object_recreated_under_a_stored_name_removes_the_old_incarnation) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({thing_json("a", "p", "3", 1, "u1")}, "10"))};
  h.transport->streams = {h.stream({event_json("ADDED", refused_thing_json("a", "p", "11", "u2"))}),
                          h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  EXPECT_EQ(h.deltas, (strings{"added p@3", "deleted p@3"}));
  EXPECT_EQ(h.refused, (strings{"p@11 spec.value"}));
}

TEST(reflector_decode, progress_moves_with_events_and_bookmarks_not_with_failing_watches) {
  reflector_harness stuck;
  stuck.transport->answers = {fake_transport::ok(list_json({}, "10"))};
  stuck.transport->streams = {stuck.stream({"{not json"}), stuck.stream({"{not json"}), stuck.park()};
  stuck.start();
  ASSERT_TRUE(stuck.finish());
  EXPECT_EQ(stuck.errors.size(), 2u);
  EXPECT_LE(stuck.reflector->last_progress(), stuck.synced_at);

  reflector_harness moving;
  moving.transport->answers = {fake_transport::ok(list_json({}, "10"))};
  moving.transport->streams = {moving.stream({test::bookmark_json("11")}), moving.park()};
  moving.start();
  ASSERT_TRUE(moving.finish());
  EXPECT_GT(moving.reflector->last_progress(), moving.synced_at);
}

TEST(reflector_decode, an_object_only_ever_refused_is_reported_deleted_when_it_goes) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({refused_thing_json("a", "q", "5")}, "10")),
                          fake_transport::ok(list_json({}, "20"))};
  h.transport->streams = {h.stream({event_json("ADDED", refused_thing_json("a", "r", "11")),
                                    event_json("DELETED", refused_thing_json("a", "r", "12"))}),
                          h.stream({gone_event_json()}), h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  // r deleted by its event, q gone from the relist: both consumers hear it.
  EXPECT_EQ(h.deltas, (strings{"deleted r@12", "deleted q@5"}));
  EXPECT_EQ(h.refused, (strings{"q@5 spec.value", "r@11 spec.value"}));
}

TEST(reflector_decode, the_reported_field_path_is_relative_to_the_object) {
  EXPECT_EQ(watch::object_relative_field("object.spec.priority"), "spec.priority");
  EXPECT_EQ(watch::object_relative_field("items[12].spec.template.spec.containers[0].name"),
            "spec.template.spec.containers[0].name");
  EXPECT_EQ(watch::object_relative_field("spec.minSize"), "spec.minSize");
}

} // namespace
} // namespace lattice::k8s
