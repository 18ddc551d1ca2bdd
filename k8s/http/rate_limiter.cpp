#include "k8s/http/rate_limiter.hpp"

#include <algorithm>

namespace lattice::k8s::http {

rate_limiter::rate_limiter(double qps, int burst, clock& time)
    : qps_member_(qps), burst_member_(std::max(burst, 1)), clock_member_(time),
      tokens_member_(static_cast<double>(std::max(burst, 1))), last_member_(time.now()) {}

void rate_limiter::refill_locked(clock::time_point now) {
  if (now <= last_member_)
    return;
  const double elapsed = std::chrono::duration<double>(now - last_member_).count();
  tokens_member_ = std::min(static_cast<double>(burst_member_), tokens_member_ + elapsed * qps_member_);
  last_member_ = now;
}

clock::duration rate_limiter::reserve() {
  if (qps_member_ <= 0)
    return clock::duration::zero();
  std::lock_guard<std::mutex> lock(mutex_member_);
  refill_locked(clock_member_.now());
  // The token is taken now even if it is "borrowed" from the future: later
  // callers queue behind it, which keeps the long-run rate at qps.
  tokens_member_ -= 1.0;
  if (tokens_member_ >= 0)
    return clock::duration::zero();
  const double wait_seconds = -tokens_member_ / qps_member_;
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(wait_seconds));
}

void rate_limiter::acquire() {
  const auto wait = reserve();
  if (wait > clock::duration::zero())
    clock_member_.sleep_for(wait);
}

bool rate_limiter::try_acquire() {
  if (qps_member_ <= 0)
    return true;
  std::lock_guard<std::mutex> lock(mutex_member_);
  refill_locked(clock_member_.now());
  if (tokens_member_ < 1.0)
    return false;
  tokens_member_ -= 1.0;
  return true;
}

} // namespace lattice::k8s::http
