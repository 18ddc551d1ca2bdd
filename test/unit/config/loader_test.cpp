#include "config/option_table.hpp"
#include "config_test_support.hpp"

#include <gtest/gtest.h>

#include <cctype>

namespace lattice::config {
namespace {

using namespace testing;
using std::chrono::milliseconds;

TEST(load_config, defaults_match_the_design) {
  auto out = load({});
  ASSERT_EQ(out.action, load_action::run) << out.error;
  const auto& c = out.config;
  EXPECT_EQ(c.api_group, "breezeml.ai");
  EXPECT_EQ(c.watch_namespace, "");
  EXPECT_EQ(c.api.kubeconfig, "");
  EXPECT_EQ(c.autoscaler.gpu_resource, "nvidia.com/gpu");
  EXPECT_EQ(c.server.metrics_port, 8080);
  EXPECT_EQ(c.server.probe_port, 8081);
  EXPECT_EQ(c.server.debug_port, 8082);
  EXPECT_EQ(c.server.debug_address, "127.0.0.1");
  EXPECT_EQ(c.server.http_max_connections, 256);
  EXPECT_EQ(c.autoscaler.requeue_timeout, milliseconds(120'000));
  EXPECT_EQ(c.autoscaler.cooldown_base, milliseconds(60'000));
  EXPECT_EQ(c.autoscaler.cooldown_max, milliseconds(900'000));
  EXPECT_EQ(c.autoscaler.rescale_interval, milliseconds(180'000));
  EXPECT_FALSE(c.autoscaler.bind_pods_at_create);
  EXPECT_EQ(c.api.qps, 500.0);
  EXPECT_EQ(c.api.burst, 1000);
  EXPECT_EQ(c.logging.level, "info");
  EXPECT_EQ(c.logging.format, log_format::text);
  EXPECT_FALSE(c.leader_election.enabled);
  EXPECT_EQ(c.leader_election.lease_namespace, "default");
  EXPECT_FALSE(c.identity.empty());
}

TEST(load_config, help_and_version_are_actions) {
  EXPECT_EQ(load({"--help"}).action, load_action::help);
  EXPECT_EQ(load({"-h"}).action, load_action::help);
  EXPECT_EQ(load({"--version"}).action, load_action::version);
}

TEST(load_config, flag_beats_env_beats_file_beats_default) {
  temp_file file("requeueTimeout: 3m\ncooldownBase: 30s\nrescaleInterval: 10m\napiGroup: file.example.com\n");
  auto out = load({"--config", file.path(), "--requeue-timeout=1m"},
                  {{"LATTICE_REQUEUE_TIMEOUT", "2m"}, {"LATTICE_COOLDOWN_BASE", "45s"}});
  ASSERT_EQ(out.action, load_action::run) << out.error;
  EXPECT_EQ(out.config.autoscaler.requeue_timeout, milliseconds(60'000));   // flag
  EXPECT_EQ(out.config.autoscaler.cooldown_base, milliseconds(45'000));     // env
  EXPECT_EQ(out.config.autoscaler.rescale_interval, milliseconds(600'000)); // file
  EXPECT_EQ(out.config.api_group, "file.example.com");                      // file
  EXPECT_EQ(out.config.autoscaler.cooldown_max, milliseconds(900'000));     // default
  EXPECT_EQ(out.config.config_file, file.path());
}

TEST(load_config, config_file_from_environment) {
  temp_file file("namespace: team-a\n");
  auto out = load({}, {{"LATTICE_CONFIG", file.path()}});
  ASSERT_EQ(out.action, load_action::run) << out.error;
  EXPECT_EQ(out.config.watch_namespace, "team-a");
}

TEST(load_config, kubeconfig_from_flag_lattice_env_or_kubeconfig_env) {
  EXPECT_EQ(load({"--kubeconfig", "/a"}).config.api.kubeconfig, "/a");
  EXPECT_EQ(load({}, {{"KUBECONFIG", "/b"}}).config.api.kubeconfig, "/b");
  EXPECT_EQ(load({}, {{"KUBECONFIG", "/b"}, {"LATTICE_KUBECONFIG", "/c"}}).config.api.kubeconfig, "/c");
  EXPECT_EQ(load({"--kubeconfig=/a"}, {{"KUBECONFIG", "/b"}}).config.api.kubeconfig, "/a");
}

TEST(load_config, bool_flag_alone_or_with_value) {
  EXPECT_TRUE(load({"--leader-elect"}).config.leader_election.enabled);
  EXPECT_FALSE(load({"--leader-elect=false"}).config.leader_election.enabled);
  EXPECT_TRUE(load({}, {{"LATTICE_LEADER_ELECT", "true"}}).config.leader_election.enabled);
  EXPECT_FALSE(load({}).config.server.metrics_auth);
  EXPECT_TRUE(load({"--metrics-auth"}).config.server.metrics_auth);
}

TEST(load_config, license_comes_from_environment_only) {
  auto out = load({}, {{"LATTICE_LICENSE", "secret-key"}});
  EXPECT_EQ(out.config.license, "secret-key");
  EXPECT_EQ(load({"--license=x"}).action, load_action::error);
  EXPECT_EQ(help_text("x").find("secret-key"), std::string::npos);
}

TEST(load_config, lease_namespace_defaults_to_pod_namespace) {
  EXPECT_EQ(load({}, {{"POD_NAMESPACE", "lattice"}}).config.leader_election.lease_namespace, "lattice");
  EXPECT_EQ(load({"--leader-election-namespace=ops"}, {{"POD_NAMESPACE", "lattice"}})
                .config.leader_election.lease_namespace,
            "ops");
}

TEST(load_config, every_option_is_documented_in_help) {
  auto help = help_text("lattice-operator");
  for (const auto& spec : option_table()) {
    EXPECT_NE(help.find("--" + spec.flag), std::string::npos) << spec.flag;
    EXPECT_NE(help.find(spec.env_vars.front()), std::string::npos) << spec.flag;
    EXPECT_FALSE(spec.help.empty()) << spec.flag;
    EXPECT_FALSE(spec.accepted.empty()) << spec.flag;
  }
  EXPECT_NE(help.find("--config"), std::string::npos);
  EXPECT_NE(help.find("--version"), std::string::npos);
}

// Each row: arguments, environment, and text the one-line error must contain.
struct bad_case {
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string expected;
};

class rejects : public ::testing::TestWithParam<bad_case> {};

TEST_P(rejects, with_a_one_line_message_naming_the_option_and_range) {
  const auto& c = GetParam();
  auto out = load(c.args, c.env);
  ASSERT_EQ(out.action, load_action::error);
  EXPECT_NE(out.error.find(c.expected), std::string::npos) << "error was: " << out.error;
  EXPECT_EQ(out.error.find('\n'), std::string::npos) << out.error;
}

INSTANTIATE_TEST_SUITE_P(
    bad_values, rejects,
    ::testing::Values(
        bad_case{{"--metrics-port=0"}, {}, "--metrics-port: expected an integer from 1 to 65535"},
        bad_case{{"--probe-port", "70000"}, {}, "--probe-port: expected an integer from 1 to 65535"},
        bad_case{{"--debug-port=abc"}, {}, "--debug-port: expected an integer from 1 to 65535"},
        bad_case{
            {"--http-max-connections=0"}, {}, "--http-max-connections: expected an integer from 1 to 65536"},
        bad_case{{"--api-qps=0"}, {}, "--api-qps: expected a number greater than 0"},
        bad_case{{"--api-qps=nan"}, {}, "--api-qps"},
        bad_case{{"--api-burst=0"}, {}, "--api-burst: expected an integer from 1 to 100000"},
        bad_case{{"--api-concurrency=0"}, {}, "--api-concurrency: expected an integer from 1 to 64"},
        bad_case{{"--api-timeout=0s"}, {}, "--api-timeout: expected a duration from 1s to 24h"},
        bad_case{{"--api-group=Breeze_ML"}, {}, "--api-group: expected a DNS subdomain"},
        bad_case{{"--namespace=Team A"}, {}, "--namespace: expected empty or a DNS label"},
        bad_case{{"--gpu-resource=nvidia.com/"}, {}, "--gpu-resource: expected a resource name"},
        bad_case{{"--requeue-timeout=forever"}, {}, "--requeue-timeout: expected a duration from 1s to 24h"},
        bad_case{{"--cooldown-base=25h"}, {}, "--cooldown-base: expected a duration from 1s to 24h"},
        bad_case{{"--cooldown-max=0s"}, {}, "--cooldown-max: expected a duration from 1s to 24h"},
        bad_case{{"--rescale-interval=-1s"}, {}, "--rescale-interval: expected a duration from 0s to 24h"},
        bad_case{{"--plan-debounce=2m"}, {}, "--plan-debounce: expected a duration from 0ms to 1m"},
        bad_case{{"--bind-address=localhost"}, {}, "--bind-address: expected an IPv4 or IPv6 address"},
        bad_case{{"--debug-address=1.2.3"}, {}, "--debug-address: expected an IPv4 or IPv6 address"},
        bad_case{{"--log-level=verbose"}, {}, "--log-level: expected one of trace, debug, info"},
        bad_case{{"--log-format=xml"}, {}, "--log-format: expected one of text, json"},
        bad_case{{"--leader-elect=maybe"}, {}, "--leader-elect: expected true or false"},
        bad_case{{"--leader-election-id=Bad Name"}, {}, "--leader-election-id: expected a DNS subdomain"},
        bad_case{{"--leader-election-namespace=A"},
                 {},
                 "--leader-election-namespace: expected empty or a DNS label"},
        bad_case{{"--lease-duration=11m"}, {}, "--lease-duration: expected a duration from 1s to 10m"},
        bad_case{{"--renew-deadline=0s"}, {}, "--renew-deadline: expected a duration from 1s to 10m"},
        bad_case{{"--retry-period=50ms"}, {}, "--retry-period: expected a duration from 100ms to 1m"},
        bad_case{{"--identity=a b"}, {}, "--identity: expected any text without spaces"},
        bad_case{
            {"--cooldown-base=10m", "--cooldown-max=5m"}, {}, "--cooldown-max: expected a duration at least"},
        bad_case{{"--lease-duration=10s", "--renew-deadline=10s"},
                 {},
                 "--renew-deadline: expected a duration less"},
        bad_case{
            {"--renew-deadline=5s", "--retry-period=5s"}, {}, "--retry-period: expected a duration less"},
        bad_case{{"--probe-port=8080"}, {}, "--probe-port: expected a port different from --metrics-port"},
        bad_case{{"--debug-port=8081"}, {}, "--debug-port: expected a port different"},
        bad_case{{"--metrics-cert-dir=/etc/tls"}, {}, "--metrics-cert-dir: expected only with --metrics-tls"},
        bad_case{{},
                 {{"LATTICE_METRICS_PORT", "x"}},
                 "environment variable LATTICE_METRICS_PORT (flag --metrics-port)"},
        bad_case{{"--no-such-flag=1"}, {}, "unknown option --no-such-flag"},
        bad_case{{"positional"}, {}, "unexpected argument \"positional\""},
        bad_case{{"--namespace"}, {}, "option --namespace needs a value"},
        bad_case{
            {"--config=/nonexistent/lattice.yaml"}, {}, "cannot read config file /nonexistent/lattice.yaml"}),
    [](const ::testing::TestParamInfo<bad_case>& info) {
      // A readable test name: the case's index and first argument or variable.
      std::string source = info.param.args.empty() ? info.param.env.begin()->first : info.param.args.front();
      std::string name = std::to_string(info.index) + "_";
      for (char ch : source.substr(0, source.find('=')))
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

TEST(load_config, rejects_bad_config_files_naming_key_and_file) {
  temp_file bad_value("requeueTimeout: soon\n");
  auto out = load({"--config", bad_value.path()});
  ASSERT_EQ(out.action, load_action::error);
  EXPECT_NE(out.error.find("requeueTimeout in " + bad_value.path() + " (flag --requeue-timeout)"),
            std::string::npos)
      << out.error;

  temp_file unknown_key("requeue_timeout: 1m\n");
  out = load({"--config", unknown_key.path()});
  EXPECT_NE(out.error.find("unknown key \"requeue_timeout\""), std::string::npos) << out.error;

  temp_file not_a_map("- a\n- b\n");
  out = load({"--config", not_a_map.path()});
  EXPECT_NE(out.error.find("must be a mapping"), std::string::npos) << out.error;

  temp_file nested("leaderElect:\n  enabled: true\n");
  out = load({"--config", nested.path()});
  EXPECT_NE(out.error.find("key \"leaderElect\" must have a single value"), std::string::npos) << out.error;

  temp_file broken("a: [b\n");
  out = load({"--config", broken.path()});
  EXPECT_NE(out.error.find("is not valid YAML"), std::string::npos) << out.error;
}

TEST(load_config, empty_config_file_sets_nothing) {
  temp_file empty("");
  auto out = load({"--config", empty.path()});
  ASSERT_EQ(out.action, load_action::run) << out.error;
  EXPECT_EQ(out.config.api_group, "breezeml.ai");
}

} // namespace
} // namespace lattice::config
