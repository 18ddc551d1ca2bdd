#include "test/unit/k8s/transport/reflector_harness.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace lattice::k8s {
namespace {

using namespace std::chrono_literals;
using test::bookmark_json;
using test::event_json;
using test::fake_transport;
using test::list_json;
using test::query_value;
using test::reflector_harness;
using test::scripted_stream;
using test::thing;
using test::thing_json;
using watch::delta_type;

TEST(reflector, paged_list_then_watch_from_the_list_resource_version) {
  reflector_harness h;
  h.transport->answers = {
      fake_transport::ok(list_json({thing_json("a", "p", "3", 1), thing_json("a", "q", "4", 1)}, "10", "c1")),
      fake_transport::ok(list_json({thing_json("a", "r", "5", 1)}, "10"))};
  h.transport->streams = {h.park()};
  watch::reflector_options options;
  options.namespace_ = "a";
  options.label_selector = "app=w";
  options.field_selector = "spec.nodeName!=";
  h.start(options);
  ASSERT_TRUE(h.finish());

  EXPECT_EQ(h.deltas, (std::vector<std::string>{"added p@3", "added q@4", "added r@5"}));
  EXPECT_EQ(h.synced_calls, 1);
  ASSERT_EQ(h.transport->requests.size(), 2u);
  EXPECT_EQ(query_value(h.transport->requests[0].target, "limit"), "2");
  EXPECT_EQ(query_value(h.transport->requests[1].target, "continue"), "c1");
  EXPECT_EQ(query_value(h.transport->requests[0].target, "labelSelector"), "app%3Dw");
  ASSERT_EQ(h.transport->watch_requests.size(), 1u);
  const auto& watch = h.transport->watch_requests[0].target;
  EXPECT_EQ(watch.substr(0, watch.find('?')), "/apis/example.com/v1/namespaces/a/things");
  EXPECT_EQ(query_value(watch, "watch"), "1");
  EXPECT_EQ(query_value(watch, "resourceVersion"), "10");
  EXPECT_EQ(query_value(watch, "allowWatchBookmarks"), "true");
  EXPECT_EQ(query_value(watch, "timeoutSeconds"), "120");
  EXPECT_EQ(query_value(watch, "fieldSelector"), "spec.nodeName%21%3D");
}

TEST(reflector, resumes_from_the_last_event_or_bookmark_after_a_disconnect) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({thing_json("a", "p", "3", 1)}, "10"))};
  h.transport->streams = {
      h.stream({event_json("ADDED", thing_json("a", "z", "11", 1)), bookmark_json("15")},
               scripted_stream::ending::transport_error),
      h.stream({event_json("MODIFIED", thing_json("a", "z", "16", 2))}, scripted_stream::ending::clean),
      h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  EXPECT_EQ(h.deltas, (std::vector<std::string>{"added p@3", "added z@11", "updated z@16"}));
  ASSERT_EQ(h.transport->watch_requests.size(), 3u);
  EXPECT_EQ(query_value(h.transport->watch_requests[1].target, "resourceVersion"), "15");
  EXPECT_EQ(query_value(h.transport->watch_requests[2].target, "resourceVersion"), "16");
  EXPECT_EQ(h.transport->requests.size(), 1u) << "a disconnect must not cause a relist";
  EXPECT_EQ(h.errors.size(), 1u);
}

TEST(reflector, replayed_events_after_reconnect_are_not_applied_twice) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({}, "10"))};
  const auto added = event_json("ADDED", thing_json("a", "z", "11", 1));
  h.transport->streams = {h.stream({added}, scripted_stream::ending::transport_error), h.stream({added}),
                          h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  EXPECT_EQ(h.deltas, (std::vector<std::string>{"added z@11"}));
}

TEST(reflector, gone_error_event_relists_and_delivers_the_difference) {
  reflector_harness h;
  h.transport->answers = {
      fake_transport::ok(list_json({thing_json("a", "keep", "3", 1), thing_json("a", "change", "4", 1),
                                    thing_json("a", "vanish", "5", 1)},
                                   "10")),
      fake_transport::ok(list_json({thing_json("a", "keep", "3", 1), thing_json("a", "change", "40", 2),
                                    thing_json("a", "appear", "41", 1)},
                                   "50"))};
  h.transport->streams = {h.stream({test::gone_event_json()}), h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  std::vector<std::string> after(h.deltas.begin() + 3, h.deltas.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, (std::vector<std::string>{"added appear@41", "deleted vanish@5", "updated change@40"}));
  EXPECT_EQ(h.reflector->stats().relists_after_gone, 1u);
  EXPECT_EQ(h.synced_calls, 1) << "synced fires after the first list only";
  ASSERT_EQ(h.transport->watch_requests.size(), 2u);
  EXPECT_EQ(query_value(h.transport->watch_requests[1].target, "resourceVersion"), "50");
  EXPECT_TRUE(h.errors.empty()) << h.errors[0];
}

TEST(reflector, gone_http_status_on_watch_open_relists) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({thing_json("a", "x", "3", 1)}, "10")),
                          fake_transport::ok(list_json({}, "60"))};
  auto gone = fake_transport::status_answer(410, "Expired");
  h.transport->watch_rejections = {gone.value()};
  h.transport->streams = {h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  EXPECT_EQ(h.deltas, (std::vector<std::string>{"added x@3", "deleted x@3"}));
  EXPECT_EQ(query_value(h.transport->watch_requests.back().target, "resourceVersion"), "60");
}

TEST(reflector, forbidden_watch_is_reported_and_retried_with_backoff) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({}, "10"))};
  h.transport->watch_rejections = {fake_transport::status_answer(403, "Forbidden").value()};
  h.transport->streams = {h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  ASSERT_EQ(h.errors.size(), 1u);
  EXPECT_NE(h.errors[0].find("403 Forbidden"), std::string::npos) << h.errors[0];
  EXPECT_EQ(query_value(h.transport->watch_requests.back().target, "resourceVersion"), "10");
}

TEST(reflector, failed_list_is_retried_before_syncing) {
  reflector_harness h;
  h.transport->answers = {fake_transport::status_answer(500, "InternalError"),
                          fake_transport::ok(list_json({thing_json("a", "x", "3", 1)}, "10"))};
  h.transport->streams = {h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  EXPECT_EQ(h.errors.size(), 1u);
  EXPECT_EQ(h.synced_calls, 1);
  EXPECT_EQ(h.deltas, (std::vector<std::string>{"added x@3"}));
}

TEST(reflector, an_unreadable_line_restarts_the_watch_from_the_last_good_version) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({}, "10"))};
  h.transport->streams = {h.stream({event_json("ADDED", thing_json("a", "x", "11", 1)), "{not json",
                                    event_json("ADDED", thing_json("a", "y", "12", 1))}),
                          h.stream({event_json("ADDED", thing_json("a", "y", "12", 1))}), h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  EXPECT_EQ(h.deltas, (std::vector<std::string>{"added x@11", "added y@12"}));
  EXPECT_EQ(query_value(h.transport->watch_requests[1].target, "resourceVersion"), "11");
  EXPECT_EQ(h.errors.size(), 1u);
}

TEST(reflector, resume_from_a_persisted_version_falls_back_to_a_list_on_gone) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({thing_json("a", "x", "30", 1)}, "40"))};
  h.transport->streams = {h.stream({test::gone_event_json()}), h.park()};
  watch::reflector_options options;
  options.resume_from = "7";
  h.start(options);
  ASSERT_TRUE(h.finish());
  ASSERT_EQ(h.transport->watch_requests.size(), 2u);
  EXPECT_EQ(query_value(h.transport->watch_requests[0].target, "resourceVersion"), "7");
  EXPECT_EQ(query_value(h.transport->watch_requests[1].target, "resourceVersion"), "40");
  EXPECT_EQ(h.deltas, (std::vector<std::string>{"added x@30"}));
  EXPECT_EQ(h.synced_calls, 1);
}

TEST(reflector, stop_from_another_thread_ends_a_quiet_watch) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({}, "10"))};
  h.transport->streams = {h.park()};
  h.start();
  ASSERT_TRUE(h.finish());
  EXPECT_TRUE(h.reflector->synced());
}

TEST(reflector, the_first_answer_after_an_outage_starts_the_backoff_over) {
  // Four refused connections grow the backoff to 800 ms; the API server's
  // first answer (a 429 while it starts) means it is back: the next try
  // waits the initial 100 ms, not 1.6 s.
  reflector_harness h;
  for (int i = 0; i < 4; ++i)
    h.transport->answers.push_back(fake_transport::transport_failure());
  h.transport->answers.push_back(fake_transport::status_answer(429, "TooManyRequests"));
  h.transport->answers.push_back(fake_transport::ok(list_json({}, "10")));
  h.transport->streams = {h.park()};
  watch::reflector_options options;
  options.backoff = {100ms, 10s, 2.0, 0.0};
  const auto started = std::chrono::steady_clock::now();
  h.start(options, false);
  ASSERT_TRUE(h.finish());
  EXPECT_EQ(h.errors.size(), 5u);
  // 100 + 200 + 400 + 800 ms for the outage, then 100 ms: about 1.6 s (3.1 s without the reset).
  EXPECT_LT(h.synced_at - started, 2500ms);
  EXPECT_GE(h.synced_at - started, 1500ms);
}

TEST(reflector, a_gone_after_an_outage_relists_after_the_initial_backoff) {
  // A restarted API server's first answer to the resumed watch is 410 Gone
  // (its watch cache starts after our resourceVersion): the relist waits the
  // initial 100 ms, not the 1.6 s the four refused connections grew it to.
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({}, "10")), fake_transport::ok(list_json({}, "90"))};
  for (int i = 0; i < 4; ++i)
    h.transport->streams.push_back(fake_transport::transport_failure().err());
  h.transport->streams.push_back(h.stream({test::gone_event_json()}));
  h.transport->streams.push_back(h.park());
  watch::reflector_options options;
  options.backoff = {100ms, 10s, 2.0, 0.0};
  h.start(options, false);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(h.finish());
  const auto took_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
          .count();
  EXPECT_EQ(h.reflector->stats().relists_after_gone, 1u);
  EXPECT_EQ(query_value(h.transport->watch_requests.back().target, "resourceVersion"), "90");
  // 100 + 200 + 400 + 800 ms for the outage, then 100 ms: about 1.6 s (3.1 s without the reset).
  EXPECT_LT(took_ms, 2500);
  EXPECT_GE(took_ms, 1500);
}

/// How long (ms) after the watch was refused (by `rejection`) the next one
/// opened, with a backoff whose first delay is 3 s.
std::int64_t watch_retry_gap_ms(http::response rejection, std::chrono::seconds max_retry_after) {
  reflector_harness h;
  h.transport->answers = {fake_transport::ok(list_json({}, "10"))};
  h.transport->watch_rejections = {std::move(rejection)};
  h.transport->streams = {h.park()};
  watch::reflector_options options;
  options.backoff = {3s, 10s, 2.0, 0.0};
  options.max_retry_after = max_retry_after;
  h.start(options, false);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(h.finish());
  EXPECT_EQ(h.errors.size(), 1u);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
      .count();
}

TEST(reflector, a_refused_watch_is_retried_after_the_time_the_server_asks) {
  // API Priority and Fairness answers 429 with Retry-After: 1.
  const auto gap =
      watch_retry_gap_ms(fake_transport::status_answer(429, "TooManyRequests", "1").value(), 30s);
  EXPECT_GE(gap, 1000);
  EXPECT_LT(gap, 2500); // the backoff alone would wait 3 s
}

TEST(reflector, a_retry_after_longer_than_the_cap_waits_the_cap) {
  const auto gap =
      watch_retry_gap_ms(fake_transport::status_answer(503, "ServiceUnavailable", "60").value(), 1s);
  EXPECT_GE(gap, 1000);
  EXPECT_LT(gap, 2500);
}

TEST(reflector, a_refusal_without_retry_after_waits_the_backoff) {
  const auto gap = watch_retry_gap_ms(fake_transport::status_answer(429, "TooManyRequests").value(), 30s);
  EXPECT_GE(gap, 3000);
}

TEST(reflector, stop_during_backoff_returns_promptly) {
  reflector_harness h;
  h.transport->fallback = [](const http::request&) { return fake_transport::transport_failure(); };
  watch::reflector_options options;
  options.backoff = {10s, 10s, 2.0, 0.0};
  h.start(options, false);
  std::this_thread::sleep_for(50ms);
  const auto before = std::chrono::steady_clock::now();
  h.reflector->stop();
  h.runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  EXPECT_FALSE(h.reflector->synced());
}

} // namespace
} // namespace lattice::k8s
