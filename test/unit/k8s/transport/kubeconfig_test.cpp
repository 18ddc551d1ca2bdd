#include "k8s/auth/base64.hpp"
#include "k8s/auth/kubeconfig.hpp"
#include "test/support/manual_clock.hpp"
#include "test/unit/k8s/transport/temp_dir.hpp"

#include <gtest/gtest.h>

namespace lattice::k8s {
namespace {

using test::temp_dir;

// base64 of "CA-PEM", "CERT-PEM", "KEY-PEM".
constexpr const char* ca_b64 = "Q0EtUEVN";
constexpr const char* cert_b64 = "Q0VSVC1QRU0=";
constexpr const char* key_b64 = "S0VZLVBFTQ";

std::string two_contexts(const std::string& user_a, const std::string& cluster_extra = "") {
  return R"(apiVersion: v1
kind: Config
current-context: alpha
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: )"
         + std::string(ca_b64) + "\n" + cluster_extra + R"(
- name: c2
  cluster:
    server: https://api.example.com/prefix/
    certificate-authority: ca.crt
contexts:
- name: alpha
  context: {cluster: c1, user: ua, namespace: team-a}
- name: beta
  context: {cluster: c2, user: ub}
users:
- name: ua
  user:
)" + user_a
         + R"(
- name: ub
  user:
    token: static-token
)";
}

TEST(kubeconfig, current_context_with_inline_data) {
  const auto cfg = auth::parse_kubeconfig(two_contexts("    client-certificate-data: " + std::string(cert_b64)
                                                       + "\n    client-key-data: " + key_b64),
                                          "/nowhere/config");
  ASSERT_TRUE(cfg) << cfg.err().to_string();
  EXPECT_EQ(cfg->host, "127.0.0.1");
  EXPECT_EQ(cfg->port, "6443");
  EXPECT_EQ(cfg->base_path, "");
  EXPECT_EQ(cfg->ca_pem, "CA-PEM");
  EXPECT_EQ(cfg->client_cert_pem, "CERT-PEM");
  EXPECT_EQ(cfg->client_key_pem, "KEY-PEM");
  EXPECT_EQ(cfg->namespace_, "team-a");
  EXPECT_FALSE(cfg->insecure_skip_tls_verify);
  EXPECT_EQ(cfg->token, nullptr);
}

TEST(kubeconfig, named_context_with_files_relative_to_the_kubeconfig) {
  temp_dir dir;
  dir.write("ca.crt", "CA FROM FILE");
  const auto path = dir.write("config", two_contexts("    token: x"));
  auth::kubeconfig_options options;
  options.context = "beta";
  const auto cfg = auth::load_kubeconfig(path, options);
  ASSERT_TRUE(cfg) << cfg.err().to_string();
  EXPECT_EQ(cfg->host, "api.example.com");
  EXPECT_EQ(cfg->port, "443");
  EXPECT_EQ(cfg->base_path, "/prefix");
  EXPECT_EQ(cfg->ca_pem, "CA FROM FILE");
  EXPECT_EQ(cfg->namespace_, "default");
  ASSERT_NE(cfg->token, nullptr);
  EXPECT_EQ(cfg->token->token(), "static-token");
}

TEST(kubeconfig, client_certificate_files_and_token_file) {
  temp_dir dir;
  dir.write("client.crt", "CERT FILE");
  dir.write("client.key", "KEY FILE");
  dir.write("token", "  file-token\n");
  const auto path = dir.write("config", two_contexts("    client-certificate: client.crt\n    client-key: "
                                                     + dir.path() + "/client.key\n    tokenFile: token"));
  const auto cfg = auth::load_kubeconfig(path);
  ASSERT_TRUE(cfg) << cfg.err().to_string();
  EXPECT_EQ(cfg->client_cert_pem, "CERT FILE");
  EXPECT_EQ(cfg->client_key_pem, "KEY FILE");
  ASSERT_NE(cfg->token, nullptr);
  EXPECT_EQ(cfg->token->token(), "file-token");
}

TEST(kubeconfig, insecure_skip_tls_verify_is_honoured_only_when_set) {
  const auto cfg =
      auth::parse_kubeconfig(two_contexts("    token: t", "    insecure-skip-tls-verify: true"), "/k/config");
  ASSERT_TRUE(cfg) << cfg.err().to_string();
  EXPECT_TRUE(cfg->insecure_skip_tls_verify);
}

TEST(kubeconfig, errors_name_the_file_and_the_key) {
  temp_dir dir;
  struct row {
    std::string yaml;
    std::string context;
    std::string expected;
  };
  const std::vector<row> rows{
      {two_contexts("    token: t"), "gamma", "context \"gamma\" not found"},
      {"current-context: \"\"\n", "", "current-context is not set"},
      {"- a\n- b\n", "", "expected a mapping"},
      {"clusters: [unclosed", "", "invalid YAML"},
      {two_contexts("    client-certificate-data: " + std::string(cert_b64)), "",
       "users[ua].user needs both client-certificate and client-key"},
      {two_contexts("    client-certificate-data: '!!notbase64'\n    client-key-data: "
                    + std::string(key_b64)),
       "", "users[ua].user.client-certificate-data is not valid base64"},
      {two_contexts("    client-certificate: missing.crt\n    client-key: missing.key"), "",
       "users[ua].user.client-certificate: cannot read " + dir.path() + "/missing.crt"},
      {two_contexts("    token: t"), "beta", "clusters[c2].cluster.certificate-authority: cannot read"},
      {two_contexts("    exec: {command: aws}"), "", "exec or auth-provider"},
      {two_contexts("    token: t", "    insecure-skip-tls-verify: perhaps"), "",
       "insecure-skip-tls-verify must be true or false"},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: nope}\n", "", "cluster \"nope\""},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: "
       "{server: 'http://plain:80'}\n",
       "", "must start with https://"},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: "
       "{server: 'https://h:abc'}\n",
       "", "invalid port"},
  };
  for (const auto& r : rows) {
    const auto path = dir.write("config", r.yaml);
    auth::kubeconfig_options options;
    options.context = r.context;
    const auto cfg = auth::load_kubeconfig(path, options);
    ASSERT_FALSE(cfg) << r.expected;
    EXPECT_EQ(cfg.err().what, error::kind::config);
    EXPECT_NE(cfg.err().message.find(r.expected), std::string::npos) << cfg.err().message;
    EXPECT_NE(cfg.err().message.find(path), std::string::npos) << cfg.err().message;
  }
}

TEST(kubeconfig, missing_file_is_a_config_error) {
  const auto cfg = auth::load_kubeconfig("/definitely/not/here");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.err().what, error::kind::config);
  EXPECT_NE(cfg.err().message.find("/definitely/not/here"), std::string::npos);
}

TEST(base64, decodes_with_and_without_padding_and_rejects_garbage) {
  EXPECT_EQ(auth::base64_decode("aGVsbG8="), std::optional<std::string>("hello"));
  EXPECT_EQ(auth::base64_decode("aGVsbG8"), std::optional<std::string>("hello"));
  EXPECT_EQ(auth::base64_decode("aGVs\nbG8="), std::optional<std::string>("hello"));
  EXPECT_EQ(auth::base64_decode(""), std::optional<std::string>(""));
  EXPECT_EQ(auth::base64_decode("a*b"), std::nullopt);
  EXPECT_EQ(auth::base64_decode("aGVsbG8=x"), std::nullopt);
  EXPECT_EQ(auth::base64_decode("a"), std::nullopt);
}

} // namespace
} // namespace lattice::k8s
