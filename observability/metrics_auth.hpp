#pragma once

#include "observability/http_server.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lattice::observability {

/// A POST of a JSON body to an API server path (a TokenReview or a
/// SubjectAccessReview): the 2xx answer's body, or why there is none.
struct review_reply {
  bool ok = false;
  std::string body;
  std::string error;
};
using review_post = std::function<review_reply(const std::string& path, const std::string& body)>;

/// The "Bearer" credentials of an Authorization header value; empty when
/// the header is absent, of another scheme or carries no token.
std::string bearer_token(std::string_view authorization);

/// Who a TokenReview says a token belongs to.
struct reviewed_user {
  bool authenticated = false;
  std::string username;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;
  /// The API server's reason when not authenticated.
  std::string error;
};

/// An authentication.k8s.io/v1 TokenReview for `token`.
std::string token_review_body(const std::string& token);
/// The user of a TokenReview answer; nullopt when it is not one.
std::optional<reviewed_user> parse_token_review(const std::string& text);

/// An authorization.k8s.io/v1 SubjectAccessReview: may `user` `verb` the
/// non-resource URL `path`?
std::string subject_access_review_body(const reviewed_user& user, const std::string& path,
                                       const std::string& verb);
struct access_verdict {
  bool allowed = false;
  std::string reason;
};
/// The verdict of a SubjectAccessReview answer; nullopt when it is not one.
std::optional<access_verdict> parse_subject_access_review(const std::string& text);

/// What a scrape gets: 200 (go on), 401, 403, or 500 when the API server
/// could not be asked.
struct auth_decision {
  unsigned status = 500;
  std::string reason;
  bool allowed() const { return status == 200; }
};

struct metrics_auth_options {
  /// The non-resource URL and verb a scraper must be allowed.
  std::string path = "/metrics";
  std::string verb = "get";
  /// How long a verdict is reused for the same token, so a scrape is not
  /// two API calls each time. Denials expire sooner: a new RoleBinding
  /// takes effect within denied_ttl.
  std::chrono::seconds allowed_ttl{60};
  std::chrono::seconds denied_ttl{10};
  std::size_t max_cached_tokens = 1024;
  std::function<std::chrono::steady_clock::time_point()> now = [] {
    return std::chrono::steady_clock::now();
  };
};

/// Kubernetes authentication and authorization of scrapes, as
/// controller-runtime's secure metrics serving does: the bearer token is
/// checked with a TokenReview, its user's right to GET /metrics with a
/// SubjectAccessReview; verdicts are cached per token. Thread-safe.
class metrics_authorizer {
public:
  explicit metrics_authorizer(review_post post, metrics_auth_options options = {});

  /// The decision for a request's Authorization header value.
  auth_decision check(std::string_view authorization);

  /// Tokens whose verdict is cached (expired ones included until pruned).
  std::size_t cached() const;

private:
  auth_decision review(const std::string& token);
  void remember(const std::string& token, const auth_decision& decision);

  struct cached_verdict {
    auth_decision decision;
    std::chrono::steady_clock::time_point expires;
  };
  review_post post_;
  metrics_auth_options options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, cached_verdict> cache_;
};

/// `inner` behind `auth`: 401/403/500 with a one-line reason unless allowed.
http_handler require_metrics_auth(std::shared_ptr<metrics_authorizer> auth, http_handler inner);

} // namespace lattice::observability
