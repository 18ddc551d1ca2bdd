#include "observability/debug_routes.hpp"

#include "base/json.hpp"

#include <cstdio>
#include <exception>
#include <string_view>
#include <utility>
#include <vector>

namespace lattice::observability {

debug_answer::debug_answer(std::string json)
    : what_(json.empty() ? outcome::not_found : outcome::found), text_(std::move(json)) {}

debug_answer::debug_answer(std::optional<std::string> json)
    : debug_answer(json ? std::move(*json) : std::string()) {}

debug_answer debug_answer::not_found() {
  return debug_answer(outcome::not_found, {});
}

debug_answer debug_answer::unavailable(std::string reason) {
  return debug_answer(outcome::unavailable, std::move(reason));
}

namespace {

struct route_doc {
  const char* path;
  const char* help;
};

constexpr route_doc route_docs[] = {
    {"/debug", "this index"},
    {"/debug/actors", "every actor (JSON array)"},
    {"/debug/jobs/<namespace>/<name>", "one job actor's state"},
    {"/debug/nodes/<name>", "one node actor's state"},
    {"/debug/autoscaler", "the autoscaler actor's state"},
};

/// What an error answer is about: the path, and the actor when there is one.
struct subject {
  std::string path;
  std::string kind;
  std::string key;
};

http_response error_response(unsigned status, const char* error, const subject& about,
                             const std::string& message) {
  std::string body = "{\"error\":" + base::json_quoted(error) + ",\"message\":" + base::json_quoted(message);
  body += ",\"path\":" + base::json_quoted(about.path);
  if (!about.kind.empty())
    body += ",\"kind\":" + base::json_quoted(about.kind) + ",\"key\":" + base::json_quoted(about.key);
  return json_response(body + "}", status);
}

std::string describe(const subject& about) {
  return about.key.empty() ? about.kind : about.kind + " " + about.key;
}

http_response index_response() {
  std::string body = "{\"routes\":[";
  bool first = true;
  for (const auto& r : route_docs) {
    body += first ? "" : ",";
    body += "{\"path\":" + base::json_quoted(r.path) + ",\"help\":" + base::json_quoted(r.help) + "}";
    first = false;
  }
  return json_response(body + "]}");
}

/// Calls the provider; exceptions and an unset callback become `unavailable`.
debug_answer ask(bool wired, const char* name, const std::function<debug_answer()>& call) {
  if (!wired)
    return debug_answer::unavailable(std::string("the debug provider has no ") + name + " callback");
  try {
    return call();
  } catch (const std::exception& e) {
    return debug_answer::unavailable(e.what());
  } catch (...) {
    return debug_answer::unavailable("unknown error");
  }
}

http_response answer_response(const debug_answer& answer, const subject& about) {
  switch (answer.what()) {
  case debug_answer::outcome::found:
    return json_response(answer.text());
  case debug_answer::outcome::not_found:
    return error_response(404, "not found", about, "no " + describe(about) + " actor");
  case debug_answer::outcome::unavailable:
    break;
  }
  return error_response(503, "unavailable", about, describe(about) + " did not answer: " + answer.text());
}

/// "/debug/a/b" -> {"a", "b"}; nullopt when a segment is empty ("//", trailing "/").
std::optional<std::vector<std::string>> segments_after_debug(const std::string& path) {
  static constexpr std::string_view root = "/debug";
  std::vector<std::string> out;
  if (path == root || path == "/debug/")
    return out;
  if (path.compare(0, root.size() + 1, "/debug/") != 0)
    return std::nullopt;
  std::size_t start = root.size() + 1;
  while (true) {
    const auto slash = path.find('/', start);
    auto segment = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (segment.empty())
      return std::nullopt;
    out.push_back(std::move(segment));
    if (slash == std::string::npos)
      return out;
    start = slash + 1;
  }
}

} // namespace

http_response handle_debug(const debug_provider& provider, const http_request& request) {
  subject about{request.path, "", ""};
  if (request.method != "GET" && request.method != "HEAD")
    return error_response(405, "method not allowed", about,
                          "method " + request.method + " not allowed: the debug routes are GET only");
  const auto segments = segments_after_debug(request.path);
  const auto n = segments ? segments->size() : 0;
  if (segments && n == 0)
    return index_response();
  if (segments && n == 1 && (*segments)[0] == "actors") {
    about.kind = "actors";
    return answer_response(ask(bool(provider.actors), "actors", [&] { return provider.actors(); }), about);
  }
  const auto inspect = [&](std::string kind, std::string key) {
    about.kind = std::move(kind);
    about.key = std::move(key);
    return answer_response(
        ask(bool(provider.inspect), "inspect", [&] { return provider.inspect(about.kind, about.key); }),
        about);
  };
  if (segments && n == 1 && (*segments)[0] == "autoscaler")
    return inspect("autoscaler", "");
  if (segments && n == 3 && (*segments)[0] == "jobs")
    return inspect("job", (*segments)[1] + "/" + (*segments)[2]);
  if (segments && n == 2 && (*segments)[0] == "nodes")
    return inspect("node", (*segments)[1]);
  return error_response(404, "not found", about,
                        "no debug route " + request.path + " (GET /debug lists them)");
}

http_handler debug_route(debug_provider provider) {
  return [provider = std::move(provider)](const http_request& request) {
    return handle_debug(provider, request);
  };
}

void add_debug_routes(http_server& server, debug_provider provider) {
  auto handler = debug_route(std::move(provider));
  server.route("/debug", handler);
  server.route_prefix("/debug/", std::move(handler));
}

} // namespace lattice::observability
