#pragma once

#include "k8s/client/resource.hpp"
#include "k8s/http/backoff.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace lattice::k8s::watch {

struct reflector_options {
  client::resource resource;
  /// Empty: all namespaces (or a cluster-scoped kind).
  std::string namespace_;
  /// e.g. "app=worker"; "" for none.
  std::string label_selector;
  /// e.g. "spec.nodeName!="; "" for none.
  std::string field_selector;
  /// LIST page size (limit/continue); 0 lists in one response.
  int page_size = 500;
  /// Server-side timeoutSeconds of each watch; the reflector then resumes.
  std::chrono::seconds watch_timeout{300};
  /// Reconnect delays: 800ms doubling to 5s, jittered. client-go caps at
  /// 30s; after an API server outage that cap alone kept the operator blind
  /// for up to 30s once the server was back. Three watches retrying every
  /// 2.5-5s cost the server nothing.
  http::backoff_policy backoff{std::chrono::milliseconds(800), std::chrono::milliseconds(5'000), 2.0, 0.5};
  /// A 429 or 5xx with Retry-After is retried after the time the server asks
  /// (API Priority and Fairness sends 1 s), at most this long, instead of
  /// the backoff: client-go's watch does the same.
  std::chrono::seconds max_retry_after{30};
  /// A watch that lasted this long, or delivered anything, resets the backoff.
  std::chrono::seconds healthy_after{30};
  http::uniform_random random = http::default_random();
  /// Non-empty: start by watching from this resourceVersion (a restarted
  /// process resuming) instead of listing; the store starts empty and a 410
  /// falls back to the usual list. synced() turns true after that list.
  std::string resume_from;
  /// For messages ("pods", "trainingjobs in ns a").
  std::string name;
};

/// Counters for tests and metrics.
struct reflector_stats {
  std::uint64_t lists = 0;
  std::uint64_t relists_after_gone = 0;
  std::uint64_t watches_opened = 0;
  std::uint64_t events = 0;
  std::uint64_t bookmarks = 0;
  std::uint64_t errors = 0;
  /// Objects skipped because the decoder refused them (every sighting).
  std::uint64_t undecodable = 0;
};

} // namespace lattice::k8s::watch
