#pragma once

#include "actors/autoscaler_settings.hpp"
#include "actors/debounce.hpp"
#include "actors/decision_filter.hpp"
#include "protocol/job_actor.hpp"
#include "scheduling/job_info.hpp"
#include "scheduling/node_info.hpp"
#include "scheduling/plan.hpp"
#include "scheduling/snapshot.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lattice::actors {

/// A job in the autoscaler's snapshot and where its decisions go.
struct tracked_job {
  scheduling::job_info info;
  protocol::job_actor handle;
};

/// What the last plan said, kept for the inspect answer.
struct plan_summary {
  struct job_line {
    scheduling::job_stage stage = scheduling::job_stage::waiting;
    std::int32_t size = 0;
    std::string reason;
  };
  scheduling::time_point time{};
  std::chrono::microseconds duration{0};
  /// Job keys in queue order.
  std::vector<std::string> queue;
  std::map<std::string, job_line> jobs;
  std::vector<std::string> warnings;
};

/// The autoscaler actor's state (actors/autoscaler.cpp).
struct autoscaler_state {
  static inline const char* name = "lattice.autoscaler";

  autoscaler_settings settings;
  bool leader = false;
  std::map<std::string, tracked_job> jobs;
  std::map<std::string, scheduling::node_info> nodes;
  debounce window;
  decision_filter filter;
  std::uint64_t plans = 0;
  /// Generation of the armed plan_wakeup (the next cooldown or rescale
  /// interval end).
  std::uint64_t wakeup_generation = 0;
  std::uint64_t decisions_sent = 0;
  /// Empty `queue` and zero `time` until the first plan.
  plan_summary last_plan;

  /// The planner's input: every tracked job and node.
  scheduling::snapshot make_snapshot() const;
};

/// The earliest instant after `now` at which a plan could decide
/// differently with nothing else changing: a waiting job's cooldown ends
/// (rule 5) or a running job's rescale interval ends (rule 6). The plan's
/// own review time (scheduling::plan::review_at) is the caller's to add.
std::optional<scheduling::time_point> next_wakeup(const autoscaler_state& st, scheduling::time_point now);

/// The inspect answer: a JSON object with the leader flag, counts, and the
/// last plan (time, duration, queue order, per job stage/size/reason).
std::string inspect_json(const autoscaler_state& st);

} // namespace lattice::actors
