#include "observability/debug_routes.hpp"
#include "test/unit/observability/http_client.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lattice::observability {
namespace {

namespace http = boost::beast::http;
using test::http_client;

/// The actor layer faked: fixed answers, and a record of every question.
struct fake_actors {
  std::map<std::pair<std::string, std::string>, std::string> states = {
      {{"job", "team-a/resnet"}, R"({"kind":"job","key":"team-a/resnet","stage":"Running"})"},
      {{"node", "gpu-0"}, R"({"kind":"node","name":"gpu-0","gpus":8})"},
      {{"autoscaler", ""}, R"({"kind":"autoscaler","leader":true})"},
  };
  std::string list = R"([{"kind":"autoscaler"},{"kind":"job","key":"team-a/resnet"}])";
  std::vector<std::pair<std::string, std::string>> asked;

  debug_provider provider() {
    debug_provider p;
    p.inspect = [this](const std::string& kind, const std::string& key) -> std::optional<std::string> {
      asked.emplace_back(kind, key);
      auto it = states.find({kind, key});
      if (it == states.end())
        return std::nullopt;
      return it->second;
    };
    p.actors = [this] { return list; };
    return p;
  }
};

boost::json::object parse_object(const std::string& body) {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  EXPECT_FALSE(ec) << body;
  if (ec || !value.is_object())
    return {};
  return value.as_object();
}

std::string field(const boost::json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string("<missing>");
}

struct debug_server : ::testing::Test {
  fake_actors actors;
  http_server server{[] {
    http_server_options o;
    o.address = "127.0.0.1";
    o.port = 0;
    return o;
  }()};

  void start(debug_provider provider) {
    add_debug_routes(server, std::move(provider));
    server.start();
  }
};

TEST_F(debug_server, serves_each_actor_kind_as_json) {
  start(actors.provider());
  http_client client(server.port());
  struct row {
    const char* target;
    std::string body;
  };
  const std::vector<row> rows = {
      {"/debug/jobs/team-a/resnet", actors.states.at({"job", "team-a/resnet"})},
      {"/debug/nodes/gpu-0", actors.states.at({"node", "gpu-0"})},
      {"/debug/autoscaler", actors.states.at({"autoscaler", ""})},
      {"/debug/actors", actors.list},
      {"/debug/nodes/gpu-0?pretty=1", actors.states.at({"node", "gpu-0"})},
  };
  for (const auto& r : rows) {
    auto res = client.get(r.target);
    EXPECT_EQ(res.result_int(), 200u) << r.target;
    EXPECT_EQ(res[http::field::content_type], "application/json") << r.target;
    EXPECT_EQ(res.body(), r.body) << r.target;
  }
  const std::vector<std::pair<std::string, std::string>> asked = {
      {"job", "team-a/resnet"}, {"node", "gpu-0"}, {"autoscaler", ""}, {"node", "gpu-0"}};
  EXPECT_EQ(actors.asked, asked);
}

TEST_F(debug_server, index_lists_every_route) {
  start(actors.provider());
  http_client client(server.port());
  for (const char* target : {"/debug", "/debug/"}) {
    auto res = client.get(target);
    ASSERT_EQ(res.result_int(), 200u) << target;
    EXPECT_EQ(res[http::field::content_type], "application/json");
    auto index = parse_object(res.body());
    std::vector<std::string> paths;
    for (const auto& r : index["routes"].as_array())
      paths.push_back(field(r.as_object(), "path"));
    const std::vector<std::string> expected = {"/debug", "/debug/actors", "/debug/jobs/<namespace>/<name>",
                                               "/debug/nodes/<name>", "/debug/autoscaler"};
    EXPECT_EQ(paths, expected);
  }
  EXPECT_TRUE(actors.asked.empty());
}

TEST_F(debug_server, missing_actor_is_404_naming_it) {
  start(actors.provider());
  http_client client(server.port());
  auto job = client.get("/debug/jobs/team-a/gone");
  EXPECT_EQ(job.result_int(), 404u);
  EXPECT_EQ(job[http::field::content_type], "application/json");
  auto body = parse_object(job.body());
  EXPECT_EQ(field(body, "error"), "not found");
  EXPECT_EQ(field(body, "kind"), "job");
  EXPECT_EQ(field(body, "key"), "team-a/gone");
  EXPECT_EQ(field(body, "message"), "no job team-a/gone actor");

  auto node = parse_object(client.get("/debug/nodes/gpu-9").body());
  EXPECT_EQ(field(node, "message"), "no node gpu-9 actor");
}

TEST_F(debug_server, empty_answer_means_no_such_actor) {
  debug_provider p;
  p.inspect = [](const std::string&, const std::string&) { return std::string(); };
  p.actors = [] { return debug_answer::not_found(); };
  start(std::move(p));
  http_client client(server.port());
  EXPECT_EQ(client.get("/debug/autoscaler").result_int(), 404u);
  auto list = client.get("/debug/actors");
  EXPECT_EQ(list.result_int(), 404u);
  EXPECT_EQ(field(parse_object(list.body()), "message"), "no actors actor");
}

TEST_F(debug_server, unknown_routes_are_404_without_asking_the_actors) {
  start(actors.provider());
  http_client client(server.port());
  for (const char* target :
       {"/debug/jobs/team-a", "/debug/jobs/team-a/resnet/extra", "/debug/jobs//resnet", "/debug/nodes/",
        "/debug/nodes/gpu-0/", "/debug/bogus", "/debug/autoscaler/x", "/debug/actors/x"}) {
    auto res = client.get(target);
    EXPECT_EQ(res.result_int(), 404u) << target;
    EXPECT_EQ(res[http::field::content_type], "application/json") << target;
    auto body = parse_object(res.body());
    EXPECT_EQ(field(body, "path"), target);
    EXPECT_NE(field(body, "message").find("no debug route"), std::string::npos) << res.body();
  }
  EXPECT_EQ(client.get("/debugx").result_int(), 404u) << "not under /debug/";
  EXPECT_TRUE(actors.asked.empty());
}

TEST_F(debug_server, only_get_and_head_are_allowed) {
  start(actors.provider());
  http_client client(server.port());
  EXPECT_EQ(client.request(http::verb::post, "/debug/actors", "{}").result_int(), 405u);
  EXPECT_EQ(client.request(http::verb::delete_, "/debug/jobs/team-a/resnet").result_int(), 405u);
  EXPECT_EQ(client.request(http::verb::put, "/debug").result_int(), 405u);
  EXPECT_TRUE(actors.asked.empty());
  // The handler itself refuses too, in JSON, whoever calls it.
  auto res = handle_debug(actors.provider(), http_request{"PATCH", "/debug/autoscaler", "", ""});
  EXPECT_EQ(res.status, 405u);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(field(parse_object(res.body), "error"), "method not allowed");
  EXPECT_EQ(handle_debug(actors.provider(), http_request{"HEAD", "/debug/autoscaler", "", ""}).status, 200u);
}

TEST_F(debug_server, failing_provider_is_503_with_the_reason) {
  debug_provider p;
  p.inspect = [](const std::string& kind, const std::string&) -> debug_answer {
    if (kind == "job")
      throw std::runtime_error("job actor did not answer within 2s");
    if (kind == "node")
      throw 42; // not even an exception type
    return debug_answer::unavailable("autoscaler is restarting");
  };
  // actors left unset: not wired yet
  start(std::move(p));
  http_client client(server.port());
  struct row {
    const char* target;
    const char* message;
  };
  const row rows[] = {
      {"/debug/jobs/ns/j", "job ns/j did not answer: job actor did not answer within 2s"},
      {"/debug/nodes/n", "node n did not answer: unknown error"},
      {"/debug/autoscaler", "autoscaler did not answer: autoscaler is restarting"},
      {"/debug/actors", "actors did not answer: the debug provider has no actors callback"},
  };
  for (const auto& r : rows) {
    auto res = client.get(r.target);
    EXPECT_EQ(res.result_int(), 503u) << r.target;
    EXPECT_EQ(res[http::field::content_type], "application/json") << r.target;
    auto body = parse_object(res.body());
    EXPECT_EQ(field(body, "error"), "unavailable") << r.target;
    EXPECT_EQ(field(body, "message"), r.message) << r.target;
  }
}

TEST(debug_routes, error_bodies_stay_valid_json_for_any_path) {
  const std::string path = std::string("/debug/nodes/\"q\\\x01\xff\xc3\xa9/x");
  auto res = handle_debug(debug_provider{}, http_request{"GET", path, "", ""});
  EXPECT_EQ(res.status, 404u);
  auto body = parse_object(res.body);
  EXPECT_EQ(field(body, "path"), "/debug/nodes/\"q\\\x01\xef\xbf\xbd\xc3\xa9/x")
      << "a control byte comes back escaped, an invalid UTF-8 byte as U+FFFD, valid UTF-8 as is";
}

TEST(debug_routes, answer_conversions) {
  EXPECT_EQ(debug_answer(std::string("{}")).what(), debug_answer::outcome::found);
  EXPECT_EQ(debug_answer("{}").text(), "{}");
  EXPECT_EQ(debug_answer(std::string()).what(), debug_answer::outcome::not_found);
  EXPECT_EQ(debug_answer(std::optional<std::string>()).what(), debug_answer::outcome::not_found);
  EXPECT_EQ(debug_answer(std::optional<std::string>("[]")).what(), debug_answer::outcome::found);
  auto down = debug_answer::unavailable("timeout");
  EXPECT_EQ(down.what(), debug_answer::outcome::unavailable);
  EXPECT_EQ(down.text(), "timeout");
}

TEST(http_server_prefix, exact_routes_win_then_the_longest_prefix) {
  http_server_options o;
  o.address = "127.0.0.1";
  http_server server(o);
  auto answer = [](const char* who) {
    return [who](const http_request& req) {
      return http_response{200, "text/plain", who + (" " + req.path)};
    };
  };
  server.route("/a/exact", answer("exact"));
  server.route_prefix("/a/", answer("short"));
  server.route_prefix("/a/b/", answer("long"));
  server.start();
  EXPECT_THROW(server.route_prefix("/late/", answer("late")), std::logic_error);
  http_client client(server.port());
  EXPECT_EQ(client.get("/a/exact").body(), "exact /a/exact");
  EXPECT_EQ(client.get("/a/exact/more").body(), "short /a/exact/more");
  EXPECT_EQ(client.get("/a/b/c?x=1").body(), "long /a/b/c");
  EXPECT_EQ(client.get("/a/b").body(), "short /a/b");
  EXPECT_EQ(client.get("/a").result_int(), 404u);
  EXPECT_EQ(client.request(http::verb::post, "/a/b/c", "x").result_int(), 405u);
}

} // namespace
} // namespace lattice::observability
