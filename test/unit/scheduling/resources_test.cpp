#include "scheduling/resources.hpp"
#include "scheduling/time.hpp"

#include <gtest/gtest.h>

namespace lattice::scheduling {
namespace {

TEST(resource_list, set_get_and_sorted_entries) {
  resource_list r{{"nvidia.com/gpu", 2}, {"cpu", 500}};
  r.set("cpu", 1500);
  EXPECT_EQ(r.get("cpu"), 1500);
  EXPECT_EQ(r.get("memory"), 0);
  ASSERT_EQ(r.entries().size(), 2u);
  EXPECT_EQ(r.entries()[0].first, "cpu");
}

TEST(resource_list, formats_human_units) {
  resource_list r{{"cpu", 4000}, {"memory", int64_t{16} << 30}, {"nvidia.com/gpu", 8}};
  EXPECT_EQ(format_resources(r), "{cpu: 4, memory: 16Gi, nvidia.com/gpu: 8}");
  EXPECT_EQ(format_resources(resource_list{{"cpu", 250}, {"memory", 1000}}), "{cpu: 250m, memory: 1000}");
}

TEST(format_time, rfc3339_utc) {
  EXPECT_EQ(format_time(time_point{std::chrono::seconds{1795860000}}), "2026-11-28T10:00:00Z");
}

} // namespace
} // namespace lattice::scheduling
