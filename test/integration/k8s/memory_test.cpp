// Memory per watched pod: N small pods reflected into the store; the growth
// of the process's resident set divided by N. N from LATTICE_IT_WATCH_PODS
// (default 2000; docs/benchmarks.md uses 10000 in a Release build).
#include "k8s/codec/decoders.hpp"
#include "k8s/watch/reflector.hpp"
#include "test/integration/k8s/cluster_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <malloc.h>
#include <mutex>
#include <thread>

namespace lattice::k8s {
namespace {

using namespace std::chrono_literals;

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

TEST(memory, per_watched_pod) {
  const char* configured = std::getenv("LATTICE_IT_WATCH_PODS");
  const int count = configured ? std::atoi(configured) : 2000;
  ASSERT_GT(count, 0);
  it::test_namespace ns("lattice-mem");
  auto client = it::admin_client();
  it::pod_writer pods(client);

  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::mutex first_error_mutex;
  std::string first_error;
  std::vector<std::thread> creators;
  for (int t = 0; t < 4; ++t)
    creators.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        auto created = pods.create(ns.name(), it::gated_pod_body(ns.name(), "m-" + std::to_string(i), "mem"));
        // A create retried after a timed-out attempt may find its own pod.
        if (created || created.err().status == 409)
          continue;
        ++failures;
        std::lock_guard<std::mutex> lock(first_error_mutex);
        if (first_error.empty())
          first_error = created.err().to_string();
      }
    });
  for (auto& t : creators)
    t.join();
  ASSERT_EQ(failures.load(), 0) << first_error;

  malloc_trim(0);
  const long before = rss_kib();
  const auto heap_before = mallinfo2().uordblks;
  watch::reflector_options options;
  options.resource = client::pods_resource();
  options.namespace_ = ns.name();
  options.page_size = 500;
  std::atomic<std::size_t> delivered{0};
  watch::reflector<pod> reflector(client, options,
                                  [&](watch::delta_type, const pod&, const pod*) { ++delivered; });
  std::thread runner([&] { reflector.run(); });
  const bool synced = it::eventually([&] { return reflector.synced(); }, 300s);
  malloc_trim(0);
  const long after = rss_kib();
  const auto heap_after = mallinfo2().uordblks;
  reflector.stop();
  runner.join();
  ASSERT_TRUE(synced);
  EXPECT_EQ(reflector.size(), static_cast<std::size_t>(count));
  EXPECT_EQ(delivered.load(), static_cast<std::size_t>(count));
  const double per_pod = (after - before) * 1024.0 / count;
  // Heap in use counts only live allocations (the store); meaningless under
  // ASan, whose allocator glibc's mallinfo2 does not see.
  const double heap_per_pod = (static_cast<double>(heap_after) - static_cast<double>(heap_before)) / count;
  std::cout << "memory per watched pod: " << per_pod << " bytes RSS, " << heap_per_pod
            << " bytes heap in use (" << count << " pods, VmRSS " << before << " -> " << after << " KiB)\n";
  EXPECT_LT(per_pod, 64 * 1024) << "the store should keep compact structs, not documents";
}

} // namespace
} // namespace lattice::k8s
