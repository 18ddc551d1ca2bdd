// The reflector against the real API server: exactly-once delivery across a
// kube-apiserver restart, relist after 410 Gone, selectors.
#include "k8s/codec/decoders.hpp"
#include "k8s/watch/reflector.hpp"
#include "test/integration/k8s/cluster_support.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace lattice::k8s {
namespace {

using namespace std::chrono_literals;
using watch::delta_type;

#define ASSERT_OK(r) ASSERT_TRUE(r) << (r).err().to_string()

/// Collects deltas per pod name and runs the reflector on a thread.
struct watched_pods {
  std::mutex mutex;
  std::map<std::string, std::vector<std::string>> by_name;
  std::map<std::string, std::string> last_version;
  std::vector<std::string> errors;
  std::unique_ptr<watch::reflector<pod>> reflector;
  std::thread runner;

  watched_pods(std::shared_ptr<client::rest_client> client, watch::reflector_options options) {
    options.resource = client::pods_resource();
    reflector = std::make_unique<watch::reflector<pod>>(
        std::move(client), std::move(options),
        [this](delta_type type, const pod& p, const pod*) {
          const char* names[] = {"added", "updated", "deleted"};
          std::lock_guard<std::mutex> lock(mutex);
          by_name[p.meta.name].push_back(names[static_cast<int>(type)]);
          last_version[p.meta.name] = type == delta_type::deleted ? "" : p.meta.resource_version;
        },
        nullptr,
        [this](const error& e) {
          std::lock_guard<std::mutex> lock(mutex);
          errors.push_back(e.to_string());
        });
    runner = std::thread([this] { reflector->run(); });
  }
  ~watched_pods() {
    reflector->stop();
    runner.join();
  }
  std::vector<std::string> of(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex);
    return by_name[name];
  }
  /// name -> resourceVersion of what the reflector holds.
  std::map<std::string, std::string> store() {
    std::map<std::string, std::string> out;
    for (auto& [key, rv] : reflector->versions())
      out[key.substr(key.find('/') + 1)] = rv;
    return out;
  }
};

/// name -> resourceVersion as kubectl sees the pods with `selector`.
std::map<std::string, std::string> server_pods(const std::string& ns, const std::string& selector) {
  const auto text = it::kubectl(
      "get pods -n " + ns + " -l " + selector
      + R"( -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.resourceVersion}{"\n"}{end}')");
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string name, rv;
  while (lines >> name >> rv)
    out[name] = rv;
  return out;
}

TEST(watch, survives_an_apiserver_restart_delivering_each_change_once) {
  it::test_namespace ns("lattice-watch");
  auto client = it::admin_client();
  it::pod_writer pods(client);
  ASSERT_OK(pods.create(ns.name(), it::gated_pod_body(ns.name(), "before", "restart")));

  watch::reflector_options options;
  options.namespace_ = ns.name();
  options.label_selector = "lattice.test/set=restart";
  options.backoff = {800ms, 5'000ms, 2.0, 0.5};
  watched_pods watched(client, options);
  ASSERT_TRUE(it::eventually([&] { return watched.reflector->synced(); }, 30s));
  ASSERT_OK(pods.create(ns.name(), it::gated_pod_body(ns.name(), "early", "restart")));
  ASSERT_TRUE(it::eventually([&] { return watched.of("early").size() == 1; }, 30s));

  it::cluster_script("stop kube-apiserver");
  // While the server is down the reflector fails to reconnect and backs off.
  std::this_thread::sleep_for(3s);
  it::cluster_script("start kube-apiserver");
  // Changes made as soon as the server is back, likely before the reflector's
  // next attempt: they must arrive once each, by resumed watch or by relist.
  ASSERT_OK(pods.create(ns.name(), it::gated_pod_body(ns.name(), "during-1", "restart")));
  ASSERT_OK(pods.create(ns.name(), it::gated_pod_body(ns.name(), "during-2", "restart")));
  delete_options now;
  now.grace_period_seconds = 0;
  ASSERT_OK(pods.remove(ns.name(), "before", now));
  ASSERT_OK(pods.merge_patch(ns.name(), "early", R"({"metadata":{"annotations":{"touched":"yes"}}})"));
  ASSERT_OK(pods.create(ns.name(), it::gated_pod_body(ns.name(), "after", "restart")));

  const bool converged = it::eventually(
      [&] { return watched.store() == server_pods(ns.name(), "lattice.test/set=restart"); }, 90s);
  EXPECT_TRUE(converged);
  // Deleting a pod writes a version with its deletionTimestamp, then removes
  // it: a watch sees that version, a relist after both does not, and a
  // relist between the two shows it as the update (the watch from there
  // brings the delete). Each is once.
  const auto before = watched.of("before");
  EXPECT_TRUE(before == (std::vector<std::string>{"added", "deleted"})
              || before == (std::vector<std::string>{"added", "updated", "deleted"}))
      << testing::PrintToString(before);
  EXPECT_EQ(watched.of("early"), (std::vector<std::string>{"added", "updated"}));
  EXPECT_EQ(watched.of("during-1"), (std::vector<std::string>{"added"}));
  EXPECT_EQ(watched.of("during-2"), (std::vector<std::string>{"added"}));
  EXPECT_EQ(watched.of("after"), (std::vector<std::string>{"added"}));
  const auto stats = watched.reflector->stats();
  std::cout << "after restart: watches opened " << stats.watches_opened << ", relists after 410 "
            << stats.relists_after_gone << ", errors " << stats.errors
            << "; before: " << testing::PrintToString(before) << "\n";
  EXPECT_GE(stats.watches_opened, 2u);
}

TEST(watch, gone_leads_to_a_relist_that_converges) {
  it::test_namespace ns("lattice-gone");
  auto client = it::admin_client();
  it::pod_writer pods(client);
  for (const auto* name : {"g-0", "g-1", "g-2"})
    ASSERT_OK(pods.create(ns.name(), it::gated_pod_body(ns.name(), name, "gone")));

  watch::reflector_options options;
  options.namespace_ = ns.name();
  options.label_selector = "lattice.test/set=gone";
  // A process resuming from a long-compacted resourceVersion: the server
  // answers 410 Expired and the reflector must relist.
  options.resume_from = "1";
  watched_pods watched(client, options);
  ASSERT_TRUE(it::eventually([&] { return watched.reflector->synced(); }, 30s));
  EXPECT_GE(watched.reflector->stats().relists_after_gone, 1u);
  ASSERT_OK(pods.create(ns.name(), it::gated_pod_body(ns.name(), "g-3", "gone")));
  EXPECT_TRUE(it::eventually(
      [&] { return watched.store() == server_pods(ns.name(), "lattice.test/set=gone"); }, 30s));
  for (const auto* name : {"g-0", "g-1", "g-2", "g-3"})
    EXPECT_EQ(watched.of(name), (std::vector<std::string>{"added"})) << name;
}

TEST(watch, field_selector_limits_what_is_reflected) {
  it::test_namespace ns("lattice-select");
  auto client = it::admin_client();
  it::pod_writer pods(client);
  for (const auto* name : {"s-0", "s-1"})
    ASSERT_OK(pods.create(ns.name(), it::gated_pod_body(ns.name(), name, "select")));
  watch::reflector_options options;
  options.namespace_ = ns.name();
  options.field_selector = "metadata.name=s-1";
  watched_pods watched(client, options);
  ASSERT_TRUE(it::eventually([&] { return watched.reflector->synced(); }, 30s));
  ASSERT_OK(pods.merge_patch(ns.name(), "s-0", R"({"metadata":{"labels":{"x":"1"}}})"));
  ASSERT_OK(pods.merge_patch(ns.name(), "s-1", R"({"metadata":{"labels":{"x":"1"}}})"));
  ASSERT_TRUE(it::eventually([&] { return watched.of("s-1").size() == 2; }, 30s));
  EXPECT_TRUE(watched.of("s-0").empty());
  EXPECT_EQ(watched.store().size(), 1u);
}

} // namespace
} // namespace lattice::k8s
