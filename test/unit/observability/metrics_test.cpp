#include "observability/metrics.hpp"
#include "test/unit/observability/exercise_metrics.hpp"
#include "test/unit/observability/http_client.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace lattice::observability {
namespace {

const char* type_name(metric_kind kind) {
  switch (kind) {
  case metric_kind::counter:
    return "counter";
  case metric_kind::gauge:
    return "gauge";
  case metric_kind::histogram:
    return "histogram";
  }
  return "?";
}

TEST(metrics, every_family_is_serialized_with_help_and_type) {
  metrics m;
  test::exercise_every_metric(m);
  auto text = serialize(m.registry());
  for (const auto& spec : metric_catalogue()) {
    EXPECT_NE(text.find(std::string("# HELP ") + spec.name + " " + spec.help + "\n"), std::string::npos)
        << spec.name;
    EXPECT_NE(text.find(std::string("# TYPE ") + spec.name + " " + type_name(spec.kind) + "\n"),
              std::string::npos)
        << spec.name;
    for (const auto& label : spec.labels)
      EXPECT_TRUE(std::regex_search(
          text, std::regex(std::string("\n") + spec.name + "(_bucket)?\\{[^}]*" + label + "=\"")))
          << spec.name << " lacks label " << label;
  }
}

TEST(metrics, catalogue_follows_naming_conventions) {
  const std::regex name_rule("^lattice_[a-z0-9_]+$");
  std::set<std::string> names;
  for (const auto& spec : metric_catalogue()) {
    std::string name = spec.name;
    EXPECT_TRUE(std::regex_match(name, name_rule)) << name;
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
    bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(total, spec.kind == metric_kind::counter) << name << ": only counters end in _total";
    if (spec.kind == metric_kind::histogram) {
      EXPECT_NE(name.find("_seconds"), std::string::npos) << name << ": durations in base unit seconds";
    }
    EXPECT_FALSE(std::string(spec.help).empty()) << name;
  }
}

TEST(metrics, values_reach_the_output) {
  metrics m;
  m.job_stage("team-a", "Running").Set(3);
  m.admissions().Increment(2);
  m.api_request("get", "pods", "200").Increment();
  m.plan_duration().Observe(0.0007);
  auto text = serialize(m.registry());
  EXPECT_NE(text.find("lattice_jobs{namespace=\"team-a\",stage=\"Running\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("lattice_admissions_total 2"), std::string::npos);
  EXPECT_NE(text.find("lattice_api_requests_total{code=\"200\",resource=\"pods\",verb=\"get\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("lattice_plan_duration_seconds_bucket{le=\"0.001\"} 1"), std::string::npos);
  EXPECT_NE(text.find("lattice_plan_duration_seconds_count 1"), std::string::npos);
}

TEST(metrics, unlabelled_series_exist_before_first_use) {
  metrics m;
  auto text = serialize(m.registry());
  EXPECT_NE(text.find("lattice_queue_length 0"), std::string::npos);
  EXPECT_NE(text.find("lattice_leader 0"), std::string::npos);
  EXPECT_NE(text.find("lattice_admissions_total 0"), std::string::npos);
}

TEST(metrics, route_serves_the_text_format) {
  metrics m;
  m.leader().Set(1);
  http_server_options opts;
  opts.address = "127.0.0.1";
  http_server server(opts);
  server.route("/metrics", metrics_route(m.shared_registry()));
  server.start();
  test::http_client client(server.port());
  auto res = client.get("/metrics");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[boost::beast::http::field::content_type], prometheus_text_content_type);
  EXPECT_NE(res.body().find("lattice_leader 1"), std::string::npos);
}

} // namespace
} // namespace lattice::observability
