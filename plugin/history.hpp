#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lattice::plugin {

/// One status condition or Event of a job, as read from the API.
struct history_input {
  /// RFC 3339 ("" when unknown: sorted first).
  std::string time;
  /// "condition" or "event".
  std::string source;
  /// Condition type (with its status) or Event reason.
  std::string what;
  std::string message;
  /// Event count (1 for conditions).
  int32_t count = 1;
  /// "Normal" / "Warning" for Events, the condition's status otherwise.
  std::string type;
};

/// The job's history, oldest first: admissions, resizes, preemptions (with
/// who took its GPUs: the Event message names them), requeues and
/// cooldowns. Identical entries (a condition and the Event that reported
/// the same transition) appear once.
std::vector<history_input> job_history(std::vector<history_input> conditions,
                                       std::vector<history_input> events);

} // namespace lattice::plugin
