#include "k8s/http/clock.hpp"

#include <thread>

namespace lattice::k8s::http {

namespace {

class steady_clock_impl final : public clock {
public:
  time_point now() override { return std::chrono::steady_clock::now(); }
  void sleep_for(duration d) override { std::this_thread::sleep_for(d); }
};

} // namespace

clock& steady_clock_source() {
  static steady_clock_impl instance;
  return instance;
}

} // namespace lattice::k8s::http
