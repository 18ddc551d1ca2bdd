#pragma once

#include "scheduling/plan.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace lattice::actors {

/// Decides which planner decisions are worth a message: the planner decides
/// every job from scratch on each pass, but a job actor only needs to hear
/// when something changed for it.
class decision_filter {
public:
  /// True when `d` changes the job's stage or size, adds or removes pods, or
  /// carries a reason or queue position (0: not waiting) the job has not been
  /// told yet (always true the first time a job is seen). Records what was sent.
  bool should_send(const scheduling::job_decision& d, std::int32_t queue_position = 0);

  /// The job left the snapshot: its next decision is sent whatever it says.
  void forget(const std::string& key) { last_.erase(key); }

  /// Leadership changed hands: every job hears its next decision.
  void clear() { last_.clear(); }

private:
  struct told {
    std::string reason;
    std::int32_t queue_position = 0;
  };
  std::map<std::string, told> last_;
};

} // namespace lattice::actors
