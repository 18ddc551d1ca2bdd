#include "k8s/auth/in_cluster.hpp"
#include "test/support/manual_clock.hpp"
#include "test/unit/k8s/transport/temp_dir.hpp"

#include <gtest/gtest.h>

#include <map>

namespace lattice::k8s {
namespace {

using namespace std::chrono_literals;
using lattice::test::manual_clock;
using test::temp_dir;

config::env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto found = vars.find(name);
    if (found == vars.end())
      return std::nullopt;
    return found->second;
  };
}

/// A ServiceAccount directory and environment as the kubelet provides them.
struct in_cluster_setup {
  temp_dir dir;
  manual_clock time;
  auth::in_cluster_options options;

  in_cluster_setup() {
    dir.write("token", "token-1\n");
    dir.write("ca.crt", "CLUSTER CA");
    dir.write("namespace", "lattice-system");
    options.env = env_of({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}});
    options.service_account_dir = dir.path();
    options.time = &time;
    options.token_refresh = 60s;
  }
};

struct in_cluster_fixture : ::testing::Test, in_cluster_setup {};

TEST_F(in_cluster_fixture, reads_service_variables_token_ca_and_namespace) {
  const auto cfg = auth::load_in_cluster(options);
  ASSERT_TRUE(cfg) << cfg.err().to_string();
  EXPECT_EQ(cfg->host, "10.96.0.1");
  EXPECT_EQ(cfg->port, "443");
  EXPECT_EQ(cfg->ca_pem, "CLUSTER CA");
  EXPECT_EQ(cfg->namespace_, "lattice-system");
  EXPECT_FALSE(cfg->insecure_skip_tls_verify);
  ASSERT_NE(cfg->token, nullptr);
  EXPECT_EQ(cfg->token->token(), "token-1");
}

TEST_F(in_cluster_fixture, ipv6_service_host_is_bracketed) {
  options.env = env_of({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}});
  const auto cfg = auth::load_in_cluster(options);
  ASSERT_TRUE(cfg) << cfg.err().to_string();
  EXPECT_EQ(cfg->host, "fd00::1");
  EXPECT_EQ(cfg->port, "6443");
}

TEST_F(in_cluster_fixture, rotated_token_is_picked_up_after_the_refresh_interval) {
  const auto cfg = auth::load_in_cluster(options);
  ASSERT_TRUE(cfg);
  auto& token = *cfg->token;
  dir.write("token", "token-2");
  time.advance(59s);
  EXPECT_EQ(token.token(), "token-1") << "re-read too early";
  time.advance(1s);
  EXPECT_EQ(token.token(), "token-2");
}

TEST_F(in_cluster_fixture, a_401_forces_an_immediate_re_read) {
  const auto cfg = auth::load_in_cluster(options);
  ASSERT_TRUE(cfg);
  dir.write("token", "token-3");
  EXPECT_EQ(cfg->token->token(), "token-1");
  cfg->token->invalidate();
  EXPECT_EQ(cfg->token->token(), "token-3");
}

TEST_F(in_cluster_fixture, a_briefly_missing_token_file_keeps_the_last_good_token) {
  const auto cfg = auth::load_in_cluster(options);
  ASSERT_TRUE(cfg);
  std::filesystem::remove(dir.path() + "/token");
  time.advance(2min);
  EXPECT_EQ(cfg->token->token(), "token-1");
  dir.write("token", "token-4");
  time.advance(2min);
  EXPECT_EQ(cfg->token->token(), "token-4");
}

TEST_F(in_cluster_fixture, errors_name_what_is_missing) {
  struct row {
    std::function<void(in_cluster_setup&)> break_it;
    std::string expected;
  };
  const std::vector<row> rows{
      {[](in_cluster_setup& f) { f.options.env = env_of({}); }, "KUBERNETES_SERVICE_HOST"},
      {[](in_cluster_setup& f) { std::filesystem::remove(f.dir.path() + "/token"); }, "/token"},
      {[](in_cluster_setup& f) { std::filesystem::remove(f.dir.path() + "/ca.crt"); }, "/ca.crt"},
  };
  for (const auto& r : rows) {
    in_cluster_setup fresh;
    r.break_it(fresh);
    const auto cfg = auth::load_in_cluster(fresh.options);
    ASSERT_FALSE(cfg) << r.expected;
    EXPECT_EQ(cfg.err().what, error::kind::config);
    EXPECT_NE(cfg.err().message.find(r.expected), std::string::npos) << cfg.err().message;
  }
}

TEST(load_cluster_config, prefers_the_kubeconfig_when_one_is_configured) {
  config::api_client_config api;
  api.kubeconfig = "/no/such/kubeconfig";
  const auto cfg = auth::load_cluster_config(api);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.err().message.find("/no/such/kubeconfig"), std::string::npos);
}

} // namespace
} // namespace lattice::k8s
