#pragma once

// A reflector over the fake transport, for the reflector tests.

#include "k8s/watch/reflector.hpp"
#include "test/unit/k8s/transport/fake_kind.hpp"
#include "test/unit/k8s/transport/fake_transport.hpp"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace lattice::k8s::test {

using namespace std::chrono_literals;
using watch::delta_type;

/// The value of query parameter `name` in a request target, or "<absent>".
inline std::string query_value(const std::string& target, const std::string& name) {
  const auto key = name + "=";
  auto at = target.find("?" + key);
  if (at == std::string::npos)
    at = target.find("&" + key);
  if (at == std::string::npos)
    return "<absent>";
  const auto start = at + 1 + key.size();
  return target.substr(start, target.find('&', start) - start);
}

/// Runs a reflector over the fake transport on its own thread. The script
/// should end with `park()`: a quiet watch that signals when reached.
struct reflector_harness {
  std::shared_ptr<fake_transport> transport = std::make_shared<fake_transport>();
  std::vector<std::string> deltas;
  std::vector<std::string> errors;
  /// "name@resourceVersion field" of every undecodable object reported.
  std::vector<std::string> refused;
  int synced_calls = 0;
  /// When the first list was stored (the synced callback).
  std::chrono::steady_clock::time_point synced_at;
  std::promise<void> parked;
  std::unique_ptr<watch::reflector<thing>> reflector;
  std::thread runner;

  scripted_stream park() {
    scripted_stream s;
    s.end = scripted_stream::ending::block_until_cancelled;
    s.on_open = [this] { parked.set_value(); };
    return s;
  }
  static scripted_stream stream(std::vector<std::string> lines,
                                scripted_stream::ending end = scripted_stream::ending::clean) {
    scripted_stream s;
    s.lines = std::move(lines);
    s.end = end;
    return s;
  }

  void start(watch::reflector_options options = {}, bool fast_backoff = true) {
    options.resource = {"example.com", "v1", "things", true};
    options.page_size = 2;
    options.watch_timeout = 120s;
    if (fast_backoff)
      options.backoff = {1ms, 4ms, 2.0, 0.5};
    options.random = [] { return 0.0; };
    client::rest_options rest;
    rest.max_retries = 0;
    auto client = std::make_shared<client::rest_client>(transport, nullptr, rest);
    reflector = std::make_unique<watch::reflector<thing>>(
        client, options,
        [this](delta_type type, const thing& obj, const thing*) {
          const char* names[] = {"added", "updated", "deleted"};
          deltas.push_back(std::string(names[static_cast<int>(type)]) + " " + obj.meta.name + "@"
                           + obj.meta.resource_version);
        },
        [this] {
          ++synced_calls;
          synced_at = std::chrono::steady_clock::now();
        },
        [this](const error& e) { errors.push_back(e.to_string()); });
    reflector->on_undecodable([this](const refused_object<thing>& bad) {
      refused.push_back(bad.object.meta.name + "@" + bad.object.meta.resource_version + " "
                        + bad.failure.field);
    });
    runner = std::thread([this] { reflector->run(); });
  }

  /// Waits for the parked watch (the end of the script), then stops.
  bool finish() {
    const bool reached = parked.get_future().wait_for(10s) == std::future_status::ready;
    reflector->stop();
    transport->release();
    runner.join();
    return reached;
  }

  ~reflector_harness() {
    if (runner.joinable()) {
      reflector->stop();
      transport->release();
      runner.join();
    }
  }
};

} // namespace lattice::k8s::test
