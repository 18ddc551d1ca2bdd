#include "k8s/http/rate_limiter.hpp"

#include <algorithm>

namespace lattice::k8s::http {

rate_limiter::rate_limiter(double qps, int burst, base::clock& time)
    : qps_(qps), burst_(std::max(burst, 1)), clock_(time), tokens_(static_cast<double>(std::max(burst, 1))),
      last_(time.steady()) {}

void rate_limiter::refill_locked(base::steady_time now) {
  if (now <= last_)
    return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(static_cast<double>(burst_), tokens_ + elapsed * qps_);
  last_ = now;
}

base::clock::duration rate_limiter::reserve() {
  if (qps_ <= 0)
    return base::clock::duration::zero();
  std::lock_guard<std::mutex> lock(mutex_);
  refill_locked(clock_.steady());
  // The token is taken now even if it is "borrowed" from the future: later
  // callers queue behind it, which keeps the long-run rate at qps.
  tokens_ -= 1.0;
  if (tokens_ >= 0)
    return base::clock::duration::zero();
  const double wait_seconds = -tokens_ / qps_;
  return std::chrono::duration_cast<base::clock::duration>(std::chrono::duration<double>(wait_seconds));
}

void rate_limiter::acquire() {
  const auto wait = reserve();
  if (wait > base::clock::duration::zero())
    clock_.sleep_for(wait);
}

bool rate_limiter::try_acquire() {
  if (qps_ <= 0)
    return true;
  std::lock_guard<std::mutex> lock(mutex_);
  refill_locked(clock_.steady());
  if (tokens_ < 1.0)
    return false;
  tokens_ -= 1.0;
  return true;
}

} // namespace lattice::k8s::http
