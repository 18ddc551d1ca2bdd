#pragma once

#include "observability/http_server.hpp"

#include <functional>
#include <optional>
#include <string>

namespace lattice::observability {

/// What the actor layer answers for one inspection: an actor's JSON, "no
/// such actor", or "the actors did not answer" (timeout, actor down).
/// Converts implicitly from std::string and std::optional<std::string>, so a
/// provider may simply return those; "" and nullopt mean no such actor.
class debug_answer {
public:
  enum class outcome { found, not_found, unavailable };

  debug_answer(std::string json);
  debug_answer(const char* json) : debug_answer(std::string(json)) {}
  debug_answer(std::optional<std::string> json);

  static debug_answer not_found();
  /// The error marker: answered as 503 with `reason`.
  static debug_answer unavailable(std::string reason);

  outcome what() const { return what_; }
  /// The JSON when found, the reason when unavailable, else "".
  const std::string& text() const { return text_; }

private:
  debug_answer(outcome what, std::string text) : what_(what), text_(std::move(text)) {}

  outcome what_;
  std::string text_;
};

/// The debug port's window on the live actors, injected by the actor layer.
/// Called on the server's threads: ask the actors with a timeout. A callback
/// that throws, or is unset, is answered as 503 with the reason.
struct debug_provider {
  /// One actor by kind and key: ("job", "ns/name"), ("node", "name"),
  /// ("autoscaler", "").
  std::function<debug_answer(const std::string& kind, const std::string& key)> inspect;
  /// Every actor, as a JSON array.
  std::function<debug_answer()> actors;
};

/// Answers one request under /debug (pure routing, no I/O of its own):
///   GET /debug                         index of the routes
///   GET /debug/actors                  provider.actors()
///   GET /debug/jobs/<namespace>/<name> provider.inspect("job", "<namespace>/<name>")
///   GET /debug/nodes/<name>            provider.inspect("node", "<name>")
///   GET /debug/autoscaler              provider.inspect("autoscaler", "")
/// Always application/json: 200 with the actor's JSON; 404 {"error": ...}
/// naming the route or actor not found; 405 for methods other than GET and
/// HEAD; 503 {"error": ...} when the provider fails.
http_response handle_debug(const debug_provider& provider, const http_request& request);

/// handle_debug bound to `provider`.
http_handler debug_route(debug_provider provider);

/// Registers "/debug" and everything under "/debug/" on `server` (the debug
/// port: 127.0.0.1:8082 by default, it shows internal state).
void add_debug_routes(http_server& server, debug_provider provider);

} // namespace lattice::observability
