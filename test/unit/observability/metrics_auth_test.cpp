#include "observability/metrics_auth.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lattice::observability {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

TEST(bearer_token, takes_the_token_of_the_bearer_scheme_only) {
  EXPECT_EQ(bearer_token("Bearer abc.def"), "abc.def");
  EXPECT_EQ(bearer_token("bearer  abc "), "abc");
  EXPECT_EQ(bearer_token(""), "");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token("Basic dXNlcjpwdw=="), "");
  EXPECT_EQ(bearer_token("Bearerabc"), "");
  EXPECT_EQ(bearer_token("Bearer a b"), "");
}

TEST(token_review, request_carries_the_token_and_answer_names_the_user) {
  auto body = json::parse(token_review_body("t0k")).as_object();
  EXPECT_EQ(body.at("apiVersion").as_string(), "authentication.k8s.io/v1");
  EXPECT_EQ(body.at("kind").as_string(), "TokenReview");
  EXPECT_EQ(body.at("spec").at("token").as_string(), "t0k");

  auto user = parse_token_review(R"({"kind":"TokenReview","status":{"authenticated":true,"user":{
      "username":"system:serviceaccount:mon:prom","uid":"u-1",
      "groups":["system:serviceaccounts","system:authenticated"],
      "extra":{"authentication.kubernetes.io/pod-name":["prom-0"]}}}})");
  ASSERT_TRUE(user);
  EXPECT_TRUE(user->authenticated);
  EXPECT_EQ(user->username, "system:serviceaccount:mon:prom");
  EXPECT_EQ(user->uid, "u-1");
  EXPECT_EQ(user->groups, (std::vector<std::string>{"system:serviceaccounts", "system:authenticated"}));
  EXPECT_EQ(user->extra.at("authentication.kubernetes.io/pod-name"), std::vector<std::string>{"prom-0"});

  auto refused = parse_token_review(R"({"kind":"TokenReview","status":{"error":"token expired"}})");
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->authenticated);
  EXPECT_EQ(refused->error, "token expired");

  EXPECT_FALSE(parse_token_review("not json"));
  EXPECT_FALSE(parse_token_review(R"({"kind":"Status","status":"Failure"})"));
  EXPECT_FALSE(parse_token_review(R"({"kind":"TokenReview","status":{"authenticated":true}})"))
      << "authenticated without a user name is not an answer to trust";
}

TEST(subject_access_review, asks_for_the_non_resource_url_with_the_whole_user) {
  reviewed_user user;
  user.authenticated = true;
  user.username = "system:serviceaccount:mon:prom";
  user.uid = "u-1";
  user.groups = {"system:serviceaccounts"};
  user.extra = {{"scopes", {"a", "b"}}};
  auto body = json::parse(subject_access_review_body(user, "/metrics", "get")).as_object();
  EXPECT_EQ(body.at("apiVersion").as_string(), "authorization.k8s.io/v1");
  EXPECT_EQ(body.at("kind").as_string(), "SubjectAccessReview");
  const auto& spec = body.at("spec").as_object();
  EXPECT_EQ(spec.at("user").as_string(), "system:serviceaccount:mon:prom");
  EXPECT_EQ(spec.at("uid").as_string(), "u-1");
  EXPECT_EQ(spec.at("groups").as_array().size(), 1u);
  EXPECT_EQ(spec.at("extra").at("scopes").as_array().size(), 2u);
  EXPECT_EQ(spec.at("nonResourceAttributes").at("path").as_string(), "/metrics");
  EXPECT_EQ(spec.at("nonResourceAttributes").at("verb").as_string(), "get");

  auto yes = parse_subject_access_review(R"({"kind":"SubjectAccessReview","status":{"allowed":true}})");
  ASSERT_TRUE(yes);
  EXPECT_TRUE(yes->allowed);
  auto no = parse_subject_access_review(
      R"({"kind":"SubjectAccessReview","status":{"allowed":false,"reason":"no RBAC policy matched"}})");
  ASSERT_TRUE(no);
  EXPECT_FALSE(no->allowed);
  EXPECT_EQ(no->reason, "no RBAC policy matched");
  auto denied = parse_subject_access_review(
      R"({"kind":"SubjectAccessReview","status":{"allowed":true,"denied":true}})");
  ASSERT_TRUE(denied);
  EXPECT_FALSE(denied->allowed) << "an explicit denial wins";
  EXPECT_FALSE(parse_subject_access_review(R"({"kind":"TokenReview","status":{}})"));
}

/// A fake API server: tokens "reader" (may GET /metrics), "stranger"
/// (authenticated, not allowed); any other token is not authenticated.
struct fake_api {
  std::vector<std::string> paths;
  bool fail = false;

  review_post post() {
    return [this](const std::string& path, const std::string& body) {
      paths.push_back(path);
      if (fail)
        return review_reply{false, {}, "connection refused"};
      auto spec = json::parse(body).at("spec").as_object();
      if (path.find("tokenreviews") != std::string::npos) {
        std::string token(spec.at("token").as_string());
        bool known = token == "reader" || token == "stranger";
        json::object status{{"authenticated", known}};
        if (known)
          status["user"] = json::object{{"username", "sa:" + token}};
        else
          status["error"] = "invalid bearer token";
        return review_reply{
            true, json::serialize(json::object{{"kind", "TokenReview"}, {"status", status}}), {}};
      }
      bool allowed = spec.at("user").as_string() == "sa:reader"
                     && spec.at("nonResourceAttributes").at("path").as_string() == "/metrics";
      return review_reply{true,
                          json::serialize(json::object{{"kind", "SubjectAccessReview"},
                                                       {"status", json::object{{"allowed", allowed}}}}),
                          {}};
    };
  }
};

struct clock_source {
  std::chrono::steady_clock::time_point t{};
  metrics_auth_options options() {
    metrics_auth_options o;
    o.now = [this] { return t; };
    return o;
  }
};

TEST(metrics_authorizer, answers_401_403_or_200_like_the_api_server_says) {
  fake_api api;
  clock_source clock;
  metrics_authorizer auth(api.post(), clock.options());
  auto none = auth.check("");
  EXPECT_EQ(none.status, 401u);
  EXPECT_TRUE(api.paths.empty()) << "no token, no API call";
  EXPECT_EQ(auth.check("Bearer forged").status, 401u);
  auto stranger = auth.check("Bearer stranger");
  EXPECT_EQ(stranger.status, 403u);
  EXPECT_NE(stranger.reason.find("sa:stranger"), std::string::npos) << stranger.reason;
  EXPECT_EQ(auth.check("Bearer reader").status, 200u);
  EXPECT_EQ(api.paths.size(), 5u) << "forged: 1 call, stranger: 2, reader: 2";
}

TEST(metrics_authorizer, caches_verdicts_per_token_for_their_ttl) {
  fake_api api;
  clock_source clock;
  auto opts = clock.options();
  opts.allowed_ttl = 60s;
  opts.denied_ttl = 10s;
  metrics_authorizer auth(api.post(), opts);
  EXPECT_EQ(auth.check("Bearer reader").status, 200u);
  EXPECT_EQ(auth.check("Bearer stranger").status, 403u);
  auto calls = api.paths.size();
  clock.t += 9s;
  EXPECT_EQ(auth.check("Bearer reader").status, 200u);
  EXPECT_EQ(auth.check("Bearer stranger").status, 403u);
  EXPECT_EQ(api.paths.size(), calls) << "both verdicts still cached";
  clock.t += 2s;
  EXPECT_EQ(auth.check("Bearer stranger").status, 403u);
  EXPECT_EQ(api.paths.size(), calls + 2) << "the denial expired after 10 s";
  EXPECT_EQ(auth.check("Bearer reader").status, 200u);
  EXPECT_EQ(api.paths.size(), calls + 2);
  clock.t += 50s;
  EXPECT_EQ(auth.check("Bearer reader").status, 200u);
  EXPECT_EQ(api.paths.size(), calls + 4) << "the allowance expired after 60 s";
}

TEST(metrics_authorizer, api_failure_is_500_and_not_cached) {
  fake_api api;
  clock_source clock;
  metrics_authorizer auth(api.post(), clock.options());
  api.fail = true;
  auto failed = auth.check("Bearer reader");
  EXPECT_EQ(failed.status, 500u);
  EXPECT_NE(failed.reason.find("connection refused"), std::string::npos) << failed.reason;
  EXPECT_EQ(auth.cached(), 0u);
  api.fail = false;
  EXPECT_EQ(auth.check("Bearer reader").status, 200u);
}

TEST(metrics_authorizer, cache_stays_bounded_under_a_flood_of_tokens) {
  fake_api api;
  clock_source clock;
  auto opts = clock.options();
  opts.max_cached_tokens = 8;
  metrics_authorizer auth(api.post(), opts);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(auth.check("Bearer forged-" + std::to_string(i)).status, 401u);
  EXPECT_LE(auth.cached(), 8u);
}

TEST(metrics_authorizer, guards_a_route) {
  fake_api api;
  clock_source clock;
  auto auth = std::make_shared<metrics_authorizer>(api.post(), clock.options());
  auto route = require_metrics_auth(auth, [](const http_request&) {
    return http_response{200, "t", "m 1\n"};
  });
  http_request req;
  req.path = "/metrics";
  EXPECT_EQ(route(req).status, 401u);
  req.authorization = "Bearer stranger";
  EXPECT_EQ(route(req).status, 403u);
  req.authorization = "Bearer reader";
  auto ok = route(req);
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, "m 1\n");
}

} // namespace
} // namespace lattice::observability
