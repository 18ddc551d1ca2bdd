#include "observability/metrics_auth.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <utility>

namespace lattice::observability {

namespace json = boost::json;

namespace {

constexpr const char* token_reviews_path = "/apis/authentication.k8s.io/v1/tokenreviews";
constexpr const char* access_reviews_path = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

const json::object* object_at(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

std::string string_at(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

bool bool_at(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().get_bool();
}

std::vector<std::string> strings_at(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it != o.end() && it->value().is_array())
    for (const auto& v : it->value().get_array())
      if (v.is_string())
        out.emplace_back(v.get_string());
  return out;
}

/// The status object of a review answer of `kind`; null when it is not one.
std::optional<json::object> review_status(const std::string& text, std::string_view kind) {
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec || !doc.is_object() || string_at(doc.get_object(), "kind") != kind)
    return std::nullopt;
  const auto* status = object_at(doc.get_object(), "status");
  return status ? std::optional<json::object>(*status) : std::optional<json::object>(json::object{});
}

} // namespace

std::string bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size())
    return {};
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i])
      return {};
  if (authorization[scheme.size()] != ' ')
    return {};
  auto token = authorization.substr(scheme.size() + 1);
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
    token.remove_suffix(1);
  if (token.find_first_of(" \t") != std::string_view::npos)
    return {};
  return std::string(token);
}

std::string token_review_body(const std::string& token) {
  json::object review{{"apiVersion", "authentication.k8s.io/v1"},
                      {"kind", "TokenReview"},
                      {"spec", json::object{{"token", token}}}};
  return json::serialize(review);
}

std::optional<reviewed_user> parse_token_review(const std::string& text) {
  auto status = review_status(text, "TokenReview");
  if (!status)
    return std::nullopt;
  reviewed_user user;
  user.authenticated = bool_at(*status, "authenticated");
  user.error = string_at(*status, "error");
  if (const auto* u = object_at(*status, "user")) {
    user.username = string_at(*u, "username");
    user.uid = string_at(*u, "uid");
    user.groups = strings_at(*u, "groups");
    if (const auto* extra = object_at(*u, "extra"))
      for (const auto& [key, _] : *extra)
        user.extra[std::string(key)] = strings_at(*extra, key);
  }
  if (user.authenticated && user.username.empty())
    return std::nullopt;
  return user;
}

std::string subject_access_review_body(const reviewed_user& user, const std::string& path,
                                       const std::string& verb) {
  json::object spec{{"user", user.username},
                    {"nonResourceAttributes", json::object{{"path", path}, {"verb", verb}}}};
  if (!user.uid.empty())
    spec["uid"] = user.uid;
  if (!user.groups.empty()) {
    json::array groups;
    for (const auto& g : user.groups)
      groups.emplace_back(g);
    spec["groups"] = std::move(groups);
  }
  if (!user.extra.empty()) {
    json::object extra;
    for (const auto& [key, values] : user.extra) {
      json::array list;
      for (const auto& v : values)
        list.emplace_back(v);
      extra[key] = std::move(list);
    }
    spec["extra"] = std::move(extra);
  }
  json::object review{
      {"apiVersion", "authorization.k8s.io/v1"}, {"kind", "SubjectAccessReview"}, {"spec", std::move(spec)}};
  return json::serialize(review);
}

std::optional<access_verdict> parse_subject_access_review(const std::string& text) {
  auto status = review_status(text, "SubjectAccessReview");
  if (!status)
    return std::nullopt;
  access_verdict verdict;
  verdict.allowed = bool_at(*status, "allowed") && !bool_at(*status, "denied");
  verdict.reason = string_at(*status, "reason");
  if (verdict.reason.empty())
    verdict.reason = string_at(*status, "evaluationError");
  return verdict;
}

metrics_authorizer::metrics_authorizer(review_post post, metrics_auth_options options)
    : post_(std::move(post)), options_(std::move(options)) {}

auth_decision metrics_authorizer::check(std::string_view authorization) {
  auto token = bearer_token(authorization);
  if (token.empty())
    return {401, "Unauthorized: no bearer token"};
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto it = cache_.find(token);
    if (it != cache_.end() && it->second.expires > options_.now())
      return it->second.decision;
  }
  auto decision = review(token);
  if (decision.status != 500) // a failed call to the API server is asked again next time
    remember(token, decision);
  return decision;
}

auth_decision metrics_authorizer::review(const std::string& token) {
  auto authn = post_(token_reviews_path, token_review_body(token));
  if (!authn.ok)
    return {500, "Authentication failed: TokenReview: " + authn.error};
  auto user = parse_token_review(authn.body);
  if (!user)
    return {500, "Authentication failed: the API server's TokenReview answer is not one"};
  if (!user->authenticated)
    return {401, "Unauthorized" + (user->error.empty() ? std::string() : ": " + user->error)};
  auto authz = post_(access_reviews_path, subject_access_review_body(*user, options_.path, options_.verb));
  if (!authz.ok)
    return {500, "Authorization failed: SubjectAccessReview: " + authz.error};
  auto verdict = parse_subject_access_review(authz.body);
  if (!verdict)
    return {500, "Authorization failed: the API server's SubjectAccessReview answer is not one"};
  if (!verdict->allowed)
    return {403, "Forbidden: user \"" + user->username + "\" may not " + options_.verb + " " + options_.path
                     + (verdict->reason.empty() ? std::string() : ": " + verdict->reason)};
  return {200, "allowed"};
}

void metrics_authorizer::remember(const std::string& token, const auth_decision& decision) {
  auto now = options_.now();
  auto ttl = decision.allowed() ? options_.allowed_ttl : options_.denied_ttl;
  std::lock_guard<std::mutex> guard(mutex_);
  if (cache_.size() >= options_.max_cached_tokens) {
    for (auto it = cache_.begin(); it != cache_.end();)
      it = it->second.expires <= now ? cache_.erase(it) : std::next(it);
    if (cache_.size() >= options_.max_cached_tokens) // a flood of distinct tokens: start over
      cache_.clear();
  }
  cache_[token] = cached_verdict{decision, now + ttl};
}

std::size_t metrics_authorizer::cached() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return cache_.size();
}

http_handler require_metrics_auth(std::shared_ptr<metrics_authorizer> auth, http_handler inner) {
  return [auth = std::move(auth), inner = std::move(inner)](const http_request& req) {
    auto decision = auth->check(req.authorization);
    if (!decision.allowed())
      return http_response{decision.status, "text/plain; charset=utf-8", decision.reason + "\n"};
    return inner(req);
  };
}

} // namespace lattice::observability
