#include "lifecycle/stage.hpp"

namespace lattice::lifecycle {

std::string_view to_api(stage s) {
  switch (s) {
  case stage::unset:
    return "";
  case stage::waiting:
    return "Waiting";
  case stage::running:
    return "Running";
  case stage::completed:
    return "Completed";
  case stage::failed:
    return "Failed";
  }
  return "";
}

stage stage_from_api(std::string_view text) {
  for (auto s : {stage::waiting, stage::running, stage::completed, stage::failed})
    if (text == to_api(s))
      return s;
  return stage::unset;
}

} // namespace lattice::lifecycle
