#pragma once

#include "protocol/type_ids.hpp"

#include <caf/meta/type_name.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace lattice::protocol {

/// job -> probe: GET http://<host>:<port><path> (an agent's throughput).
/// A probe that gets to it after `not_after` answers at once without asking:
/// the job has given up on it, and a backlog of unreachable pods must not
/// keep the probes busy with requests nobody waits for.
struct throughput_probe {
  std::string host;
  std::uint16_t port = 0;
  std::string path;
  std::chrono::steady_clock::time_point not_after = std::chrono::steady_clock::time_point::max();
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, throughput_probe& x) {
  return f(caf::meta::type_name("throughput_probe"), x.host, x.port, x.path);
}

/// probe -> job: the body of a 200 answer (`ok`), or why there is none.
struct probe_result {
  bool ok = false;
  std::string body;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, probe_result& x) {
  return f(caf::meta::type_name("probe_result"), x.ok, x.error);
}

/// job -> self: time to ask the job's agent for its throughput again.
struct throughput_poll_timer {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, throughput_poll_timer&) {
  return f(caf::meta::type_name("throughput_poll_timer"));
}

} // namespace lattice::protocol
