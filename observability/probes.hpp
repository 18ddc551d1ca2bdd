#pragma once

#include "observability/http_server.hpp"

#include <functional>
#include <string>
#include <vector>

namespace lattice::observability {

/// One watch the operator needs synced before it can act, and moving.
struct watch_sync {
  std::string resource;
  bool synced = false;
  /// Seconds since the watch last made progress (an event, a bookmark, a
  /// list, a watch the server ended at its timeout) and how long it may go
  /// without (0: not checked). Idle past the window: a stuck watch.
  long long idle_seconds = 0;
  long long window_seconds = 0;
};

enum class leadership { leader, standby, unknown };

/// What /readyz checks: every watch synced and a known role (leader or a
/// standby replica; both are ready so a standby can take over in seconds).
struct readiness {
  std::vector<watch_sync> watches;
  leadership role = leadership::unknown;
};

/// The outcome of one probe: HTTP status and a short text saying why.
struct probe_result {
  bool ok = false;
  std::string text;
};

/// /healthz: `alive` is true when the actor system answered a ping in time.
probe_result check_alive(bool alive);

/// /readyz: lists what is missing, e.g. "watch trainingjobs not synced" or
/// "watch pods made no progress for 400s (window 360s)".
probe_result check_ready(const readiness& state);

/// 200 with the text when ok, else 503.
http_response to_response(const probe_result& result);

/// Route handlers calling the callbacks on every request; a callback that
/// throws makes the probe fail with the exception's message.
http_handler healthz_route(std::function<bool()> alive);
http_handler readyz_route(std::function<readiness()> ready);

/// Registers /healthz and /readyz on `server`.
void add_probe_routes(http_server& server, std::function<bool()> alive, std::function<readiness()> ready);

} // namespace lattice::observability
