#include "config/field_setters.hpp"
#include "config/validation.hpp"

#include <gtest/gtest.h>

namespace lattice::config {
namespace {

TEST(validate, default_config_is_valid) {
  EXPECT_FALSE(validate(operator_config{}).has_value());
}

TEST(validate, cooldown_max_equal_to_base_is_allowed) {
  operator_config cfg;
  cfg.autoscaler.cooldown_max = cfg.autoscaler.cooldown_base;
  EXPECT_FALSE(validate(cfg).has_value());
}

TEST(name_checks, dns_and_resource_names) {
  using namespace setters;
  EXPECT_TRUE(is_dns_subdomain("breezeml.ai"));
  EXPECT_FALSE(is_dns_subdomain("breezeml.ai."));
  EXPECT_FALSE(is_dns_subdomain(""));
  EXPECT_TRUE(is_dns_label("lattice"));
  EXPECT_FALSE(is_dns_label("lattice.ai"));
  EXPECT_FALSE(is_dns_label(std::string(64, 'a')));
  EXPECT_TRUE(is_resource_name("nvidia.com/gpu"));
  EXPECT_TRUE(is_resource_name("amd.com/gpu"));
  EXPECT_TRUE(is_resource_name("cpu"));
  EXPECT_FALSE(is_resource_name("/gpu"));
  EXPECT_FALSE(is_resource_name("nvidia.com/"));
  EXPECT_TRUE(is_ip_address("0.0.0.0"));
  EXPECT_TRUE(is_ip_address("::1"));
  EXPECT_FALSE(is_ip_address("localhost"));
}

} // namespace
} // namespace lattice::config
