#include "k8s/http/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace lattice::k8s::http {

uniform_random default_random() {
  return [] {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
  };
}

backoff::backoff(backoff_policy policy, uniform_random random)
    : policy_(policy), random_(std::move(random)) {}

std::chrono::milliseconds backoff::next() {
  const double initial = static_cast<double>(policy_.initial.count());
  const double cap = static_cast<double>(policy_.max.count());
  // Cap the exponent first so a long outage cannot overflow the double.
  const double base = std::min(cap, initial * std::pow(policy_.factor, std::min(attempt_, 62)));
  ++attempt_;
  const double u = std::clamp(random_(), 0.0, 1.0);
  // Jitter shortens the delay (by up to jitter * base) so the cap still holds
  // and clients that failed together do not retry together.
  const double jittered = base - base * std::clamp(policy_.jitter, 0.0, 1.0) * u;
  return std::chrono::milliseconds(static_cast<std::int64_t>(jittered));
}

} // namespace lattice::k8s::http
