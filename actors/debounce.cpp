#include "actors/debounce.hpp"

#include <algorithm>

namespace lattice::actors {

debounce::debounce(duration quiet, duration max_delay)
    : quiet_(quiet), max_delay_(std::max(quiet, max_delay)) {}

std::optional<debounce::arm> debounce::on_change(clock_point now) {
  last_change_ = now;
  if (pending_)
    return std::nullopt; // the armed timer re-checks the window when it fires
  pending_ = true;
  first_change_ = now;
  armed_ = arm{due(), ++generation_};
  return armed_;
}

debounce::verdict debounce::on_timer(std::uint64_t generation, clock_point now) {
  if (!pending_ || generation != armed_.generation)
    return verdict::ignore;
  auto at = due();
  if (now < at) {
    armed_ = arm{at, ++generation_};
    return verdict::rearm;
  }
  pending_ = false;
  return verdict::plan;
}

void debounce::cancel() {
  pending_ = false;
  // A generation never handed out: every timer still in flight is stale.
  armed_ = arm{{}, ++generation_};
}

debounce::clock_point debounce::due() const {
  return std::min(last_change_ + quiet_, first_change_ + max_delay_);
}

} // namespace lattice::actors
