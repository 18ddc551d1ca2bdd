#pragma once

#include "base/time.hpp"
#include "k8s/model/training_job.hpp"
#include "scheduling/job_info.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// Throughput reports from a job's agent (GET /throughput on its status port,
// agent/lattice/agent/throughput.py): decoding, sanity checks and the
// samples a job keeps. Pure: the job actor fetches, this decides.

namespace lattice::lifecycle {

/// What one agent reported: the job's samples/s at a generation of
/// `workers` pods (`processes` ranks), measured until `measured_at`.
struct agent_report {
  std::int64_t generation = 0;
  std::int32_t workers = 0;
  std::int32_t processes = 0;
  double samples_per_second = 0;
  base::time_point measured_at{};
};

/// The agent's document: a report, nullopt while it warms up (no report
/// yet), or an error text when the body is not the agent's document.
using decoded_report = std::variant<std::optional<agent_report>, std::string>;
decoded_report decode_agent_report(std::string_view body);

/// What the operator knows when a report arrives.
struct report_context {
  base::time_point now{};
  /// Reports older than this are not kept (`--throughput-max-age`).
  std::chrono::milliseconds max_age{3'600'000};
  /// The job's live workers and the distinct nodes they run on.
  std::int32_t workers = 0;
  std::int32_t nodes = 0;
  /// When the current placement began (the last resize); a report measured
  /// before it belongs to an older placement. nullopt: unknown.
  std::optional<base::time_point> placed_since;
};

/// How far ahead of the operator's clock an agent's measuredAt may be
/// (clock skew between nodes) before the report is refused.
inline constexpr std::chrono::seconds max_clock_skew{60};

/// The report as a planner sample (measured_at capped at now), or why it is
/// ignored: not a positive finite rate, taken at another size than the
/// workers in force, more nodes than workers, older than max_age, taken
/// before the current placement, or from the future. Super-linear speedup
/// needs no check here: the planner's fit cannot express it
/// (scheduling/scaling.hpp).
std::variant<scheduling::throughput_sample, std::string> accept_report(const agent_report& report,
                                                                       const report_context& context);

/// At most this many (workers, nodes) entries are kept per job; the oldest goes.
inline constexpr std::size_t max_kept_samples = 32;

/// Keeps `sample` as the newest for its (workers, nodes), and drops entries
/// older than max_age. True when what the planner sees changed.
bool keep_sample(std::vector<scheduling::throughput_sample>& kept,
                 const scheduling::throughput_sample& sample, base::time_point now,
                 std::chrono::milliseconds max_age);

/// The sample status.throughput shows, read back after a restart or a
/// leader change (the kept samples live in memory); nullopt when it is not
/// a sound sample (rate not positive and finite, no workers, nodes outside
/// 1..workers, time not RFC 3339).
std::optional<scheduling::throughput_sample> sample_from_status(const k8s::throughput_status& shown);

} // namespace lattice::lifecycle
