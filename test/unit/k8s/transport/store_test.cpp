#include "k8s/watch/store.hpp"
#include "test/unit/k8s/transport/fake_kind.hpp"

#include <gtest/gtest.h>

namespace lattice::k8s {
namespace {

using test::thing;
using watch::delta_type;

thing make(const std::string& name, const std::string& rv, int value = 0, const std::string& uid = "") {
  thing t;
  t.meta.namespace_ = "a";
  t.meta.name = name;
  t.meta.resource_version = rv;
  t.meta.uid = uid.empty() ? "uid-" + name : uid;
  t.value = value;
  return t;
}

/// Records deltas as "added a/x@5" strings.
struct recorder {
  std::vector<std::string> seen;
  watch::delta_handler<thing> handler() {
    return [this](delta_type type, const thing& obj, const thing* previous) {
      const char* names[] = {"added", "updated", "deleted"};
      std::string line =
          std::string(names[static_cast<int>(type)]) + " " + obj.meta.key() + "@" + obj.meta.resource_version;
      if (previous && type == delta_type::updated)
        line += " (was " + previous->meta.resource_version + ")";
      seen.push_back(line);
    };
  }
};

TEST(store, watch_events_are_delivered_once) {
  watch::store<thing> s;
  recorder r;
  s.apply(watch_event_type::added, make("x", "1"), r.handler());
  s.apply(watch_event_type::added, make("x", "1"), r.handler()); // replay after reconnect
  s.apply(watch_event_type::modified, make("x", "2"), r.handler());
  s.apply(watch_event_type::modified, make("x", "2"), r.handler()); // replay
  s.apply(watch_event_type::deleted, make("x", "3"), r.handler());
  s.apply(watch_event_type::deleted, make("x", "3"), r.handler());  // unknown now
  s.apply(watch_event_type::modified, make("y", "4"), r.handler()); // missed ADDED: still an add
  EXPECT_EQ(r.seen, (std::vector<std::string>{"added a/x@1", "updated a/x@2 (was 1)", "deleted a/x@3",
                                              "added a/y@4"}));
  EXPECT_EQ(s.size(), 1u);
}

TEST(store, replace_delivers_only_the_difference) {
  watch::store<thing> s;
  recorder setup;
  for (auto& t :
       {make("same", "1"), make("changed", "2"), make("gone", "3"), make("recreated", "4", 0, "old-uid")})
    s.apply(watch_event_type::added, t, setup.handler());

  recorder r;
  s.replace({make("same", "1"), make("changed", "7"), make("new", "8"), make("recreated", "9", 0, "new-uid")},
            r.handler());
  std::sort(r.seen.begin(), r.seen.end());
  EXPECT_EQ(r.seen, (std::vector<std::string>{"added a/new@8", "added a/recreated@9", "deleted a/gone@3",
                                              "deleted a/recreated@4", "updated a/changed@7 (was 2)"}));
  EXPECT_EQ(s.size(), 4u);
  ASSERT_NE(s.find("a/changed"), nullptr);
  EXPECT_EQ(s.find("a/changed")->meta.resource_version, "7");
  EXPECT_EQ(s.find("a/gone"), nullptr);
}

TEST(store, replace_with_an_identical_list_is_silent) {
  watch::store<thing> s;
  recorder setup;
  s.replace({make("x", "1"), make("y", "2")}, setup.handler());
  EXPECT_EQ(setup.seen.size(), 2u);
  recorder r;
  s.replace({make("y", "2"), make("x", "1")}, r.handler());
  EXPECT_TRUE(r.seen.empty());
}

// The operator's stores keep a trimmed form (memory at thousands of jobs):
// the handler still sees each whole object, later deltas the trimmed one.
TEST(store, a_stored_form_trims_after_the_handler_saw_the_whole_object) {
  watch::store<thing> s{[](thing& t) { t.value = -1; }};
  std::vector<std::string> seen;
  auto handler = [&](delta_type type, const thing& obj, const thing* previous) {
    seen.push_back(std::to_string(static_cast<int>(type)) + ":" + std::to_string(obj.value) + "/"
                   + (previous ? std::to_string(previous->value) : "-"));
  };
  s.apply(watch_event_type::added, make("x", "1", 7), handler);
  EXPECT_EQ(s.find("a/x")->value, -1);
  s.apply(watch_event_type::modified, make("x", "2", 8), handler);
  s.apply(watch_event_type::modified, make("x", "2", 8), handler); // replay: still recognised
  s.apply(watch_event_type::added, make("y", "3", 9), handler);
  s.replace({make("x", "2", 8)}, handler); // y vanished: its delete carries the stored form
  EXPECT_EQ(seen, (std::vector<std::string>{"0:7/-", "1:8/-1", "0:9/-", "2:-1/-1"}));
  EXPECT_EQ(s.find("a/x")->value, -1);
  EXPECT_EQ(s.find("a/x")->meta.resource_version, "2");
}

} // namespace
} // namespace lattice::k8s
