#pragma once

#include <string_view>

namespace lattice::lifecycle {

/// A TrainingJob's `status.stage`: the intended state the autoscaler sets
/// (DESIGN.md "TrainingJob semantics"). `unset` before the operator first
/// wrote the status.
enum class stage { unset, waiting, running, completed, failed };

/// The API's text: "", "Waiting", "Running", "Completed", "Failed". The one
/// place a stage meets its text.
std::string_view to_api(stage s);

/// The stage `text` names; text the operator never writes reads as unset.
stage stage_from_api(std::string_view text);

/// Completed or Failed.
inline bool is_terminal(stage s) {
  return s == stage::completed || s == stage::failed;
}

} // namespace lattice::lifecycle
