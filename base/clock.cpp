#include "base/clock.hpp"

#include <thread>

namespace lattice::base {
namespace {

class real_clock final : public clock {
public:
  time_point wall() const override { return std::chrono::system_clock::now(); }
  steady_time steady() const override { return std::chrono::steady_clock::now(); }
  void sleep_for(duration d) override { std::this_thread::sleep_for(d); }
};

} // namespace

clock& system_clock() {
  static real_clock instance;
  return instance;
}

} // namespace lattice::base
