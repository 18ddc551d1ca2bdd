#include "actors/autoscaler_settings.hpp"

#include <algorithm>

namespace lattice::actors {

autoscaler_settings settings_from(const config::operator_config& cfg) {
  autoscaler_settings s;
  s.planner = cfg.autoscaler.policy;
  s.planner.gpu_resource = cfg.autoscaler.gpu_resource;
  s.planner.rescale_interval = cfg.autoscaler.rescale_interval;
  s.plan_debounce = cfg.autoscaler.plan_debounce;
  s.plan_max_delay = std::max(cfg.autoscaler.plan_debounce * 5 / 4, std::chrono::milliseconds{250});
  return s;
}

} // namespace lattice::actors
