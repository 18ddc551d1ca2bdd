#pragma once

#include <chrono>
#include <functional>

namespace lattice::k8s::http {

/// Source of uniform random numbers in [0, 1); injected for deterministic tests.
using uniform_random = std::function<double()>;

/// A thread-safe uniform_random backed by a per-thread PRNG.
uniform_random default_random();

struct backoff_policy {
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds max{30'000};
  double factor = 2.0;
  /// Each delay is shortened by a random fraction of up to this much.
  double jitter = 0.5;
};

/// Jittered exponential backoff: min(max, initial * factor^n), minus up to
/// jitter * that. reset() after a healthy period starts over. Not
/// thread-safe (one per retry loop).
class backoff {
public:
  explicit backoff(backoff_policy policy = {}, uniform_random random = default_random());

  /// The delay before the next attempt; advances the exponent.
  std::chrono::milliseconds next();
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

private:
  backoff_policy policy_;
  uniform_random random_;
  int attempt_ = 0;
};

} // namespace lattice::k8s::http
