#include "observability/probes.hpp"

#include <exception>
#include <string>
#include <utility>

namespace lattice::observability {

probe_result check_alive(bool alive) {
  if (alive)
    return {true, "ok\n"};
  return {false, "actor system not responding\n"};
}

probe_result check_ready(const readiness& state) {
  std::string missing;
  for (const auto& w : state.watches)
    if (!w.synced)
      missing += "watch " + w.resource + " not synced\n";
    else if (w.window_seconds > 0 && w.idle_seconds > w.window_seconds)
      missing += "watch " + w.resource + " made no progress for " + std::to_string(w.idle_seconds)
                 + "s (window " + std::to_string(w.window_seconds) + "s)\n";
  if (state.role == leadership::unknown)
    missing += "leader election undecided (neither leader nor standby)\n";
  if (!missing.empty())
    return {false, missing};
  return {true, state.role == leadership::leader ? "ok: leader\n" : "ok: standby\n"};
}

http_response to_response(const probe_result& result) {
  return http_response{result.ok ? 200u : 503u, "text/plain; charset=utf-8", result.text};
}

namespace {

/// Runs a probe callback; an exception fails the probe instead of the server.
template <class F>
probe_result guarded(const char* what, F&& probe) {
  try {
    return probe();
  } catch (const std::exception& e) {
    return {false, std::string(what) + " check failed: " + e.what() + "\n"};
  } catch (...) {
    return {false, std::string(what) + " check failed\n"};
  }
}

} // namespace

http_handler healthz_route(std::function<bool()> alive) {
  return [alive = std::move(alive)](const http_request&) {
    return to_response(guarded("liveness", [&] { return check_alive(alive()); }));
  };
}

http_handler readyz_route(std::function<readiness()> ready) {
  return [ready = std::move(ready)](const http_request&) {
    return to_response(guarded("readiness", [&] { return check_ready(ready()); }));
  };
}

void add_probe_routes(http_server& server, std::function<bool()> alive, std::function<readiness()> ready) {
  server.route("/healthz", healthz_route(std::move(alive)));
  server.route("/readyz", readyz_route(std::move(ready)));
}

} // namespace lattice::observability
