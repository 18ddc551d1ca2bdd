// /metrics behind Kubernetes authentication and authorization, against the
// local cluster's API server: the reviews are made with the token of a
// ServiceAccount that holds only the chart's rule for them (create
// tokenreviews and subjectaccessreviews), scrapers are ServiceAccounts.
#include "app/metrics_auth_client.hpp"
#include "observability/http_server.hpp"
#include "observability/metrics.hpp"
#include "observability/metrics_auth.hpp"
#include "observability/server_tls.hpp"
#include "test/integration/k8s/cluster_support.hpp"
#include "test/unit/observability/exercise_metrics.hpp"
#include "test/unit/observability/http_client.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace lattice {
namespace {

namespace http = boost::beast::http;
using k8s::it::kubectl;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

/// Cluster-scoped RBAC made for one test, deleted at scope end.
struct cluster_rbac {
  std::vector<std::string> objects;
  ~cluster_rbac() {
    for (const auto& o : objects)
      k8s::it::run("kubectl delete " + o + " --ignore-not-found --wait=false >/dev/null 2>&1");
  }
};

http::response<http::string_body> scrape(std::uint16_t port, const std::string& authorization) {
  observability::test::http_client client(port);
  http::request<http::string_body> req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, "localhost");
  if (!authorization.empty())
    req.set(http::field::authorization, authorization);
  http::write(client.stream(), req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(client.stream(), buffer, res);
  return res;
}

/// The same over TLS (the self-signed certificate is not verified).
http::response<http::string_body> tls_scrape(std::uint16_t port, const std::string& authorization) {
  boost::asio::io_context ioc;
  boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
  ctx.set_verify_mode(boost::asio::ssl::verify_none);
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(ioc, ctx);
  boost::beast::get_lowest_layer(stream).connect({boost::asio::ip::make_address("127.0.0.1"), port});
  stream.handshake(boost::asio::ssl::stream_base::client);
  http::request<http::string_body> req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, "localhost");
  req.set(http::field::authorization, authorization);
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return res;
}

TEST(metrics_auth_it, reader_gets_200_stranger_403_no_token_401_and_the_body_passes_promtool) {
  k8s::it::test_namespace ns("metrics-auth");
  const auto n = ns.name();
  cluster_rbac rbac;
  const std::string reviewer_role = n + "-reviewer";
  const std::string reader_role = n + "-metrics-reader";
  for (const auto* sa : {"operator", "reader", "stranger"})
    kubectl("create serviceaccount " + std::string(sa) + " -n " + n);
  rbac.objects = {"clusterrole " + reviewer_role, "clusterrolebinding " + reviewer_role,
                  "clusterrole " + reader_role, "clusterrolebinding " + reader_role};
  kubectl("create clusterrole " + reviewer_role
          + " --verb=create --resource=tokenreviews.authentication.k8s.io"
            " --resource=subjectaccessreviews.authorization.k8s.io");
  kubectl("create clusterrolebinding " + reviewer_role + " --clusterrole=" + reviewer_role
          + " --serviceaccount=" + n + ":operator");
  kubectl("create clusterrole " + reader_role + " --verb=get --non-resource-url=/metrics");
  kubectl("create clusterrolebinding " + reader_role + " --clusterrole=" + reader_role
          + " --serviceaccount=" + n + ":reader");

  // The reviews go out with the operator ServiceAccount's token alone.
  auto cluster = k8s::it::admin_cluster();
  cluster.client_cert_pem.clear();
  cluster.client_key_pem.clear();
  cluster.token = std::make_shared<k8s::auth::static_token>(trim(kubectl("create token operator -n " + n)));
  auto operator_client = k8s::it::make_client(cluster);
  int reviews = 0;
  auto post = app::review_post_over(operator_client);
  auto counted = [&](const std::string& path, const std::string& body) {
    ++reviews;
    return post(path, body);
  };
  auto auth = std::make_shared<observability::metrics_authorizer>(counted);

  observability::metrics metrics;
  observability::test::exercise_every_metric(metrics);
  observability::http_server_options opts;
  opts.address = "127.0.0.1";
  observability::http_server server(opts);
  server.route("/metrics", observability::require_metrics_auth(
                               auth, observability::metrics_route(metrics.shared_registry())));
  server.start();

  const auto reader = trim(kubectl("create token reader -n " + n));
  const auto stranger = trim(kubectl("create token stranger -n " + n));

  auto anonymous = scrape(server.port(), "");
  EXPECT_EQ(anonymous.result_int(), 401u) << anonymous.body();
  auto forged = scrape(server.port(), "Bearer " + reader.substr(0, reader.size() - 4) + "AAAA");
  EXPECT_EQ(forged.result_int(), 401u) << forged.body();
  auto refused = scrape(server.port(), "Bearer " + stranger);
  EXPECT_EQ(refused.result_int(), 403u) << refused.body();
  EXPECT_NE(refused.body().find("system:serviceaccount:" + n + ":stranger"), std::string::npos)
      << refused.body();
  auto allowed = scrape(server.port(), "Bearer " + reader);
  ASSERT_EQ(allowed.result_int(), 200u) << allowed.body();
  EXPECT_NE(allowed.body().find("lattice_leader 1"), std::string::npos);

  // The verdict is cached: another scrape costs no API call.
  int before = reviews;
  EXPECT_EQ(scrape(server.port(), "Bearer " + reader).result_int(), 200u);
  EXPECT_EQ(reviews, before);

  // Over TLS (controller-runtime's secure metrics): the same verdicts.
  auto tls_opts = opts;
  tls_opts.tls = observability::make_server_tls_context("");
  observability::http_server tls_server(tls_opts);
  tls_server.route("/metrics", observability::require_metrics_auth(
                                   auth, observability::metrics_route(metrics.shared_registry())));
  tls_server.start();
  EXPECT_EQ(tls_scrape(tls_server.port(), "Bearer " + reader).result_int(), 200u);
  EXPECT_EQ(tls_scrape(tls_server.port(), "Bearer " + stranger).result_int(), 403u);
  EXPECT_EQ(tls_scrape(tls_server.port(), "").result_int(), 401u);

  // What the authorised scraper got is a valid exposition.
  const std::string path = std::string(::testing::TempDir()) + "metrics_auth_it.prom";
  std::ofstream(path) << allowed.body();
  std::string out;
  int rc = k8s::it::run("promtool check metrics < " + path + " 2>&1", &out);
  EXPECT_EQ(rc, 0) << out;
  std::remove(path.c_str());
}

} // namespace
} // namespace lattice
