#pragma once

#include "scheduling/plan.hpp"
#include "scheduling/planner_config.hpp"
#include "scheduling/snapshot.hpp"
#include "scheduling/time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace lattice::snapshot_json {

/// Everything one `scheduling::make_plan` call reads.
struct planner_input {
  scheduling::snapshot snapshot;
  /// Fields the document leaves out keep planner_config's defaults.
  scheduling::planner_config config;
  /// The document's "now", when it has one.
  std::optional<scheduling::time_point> now;
};

/// The outcome of decoding: `input` set, or `error` naming the first bad
/// field by its path ("jobs[3].minSize: expected an integer").
struct decode_result {
  std::optional<planner_input> input;
  std::string error;
};

/// Parses a snapshot document (docs/reference/snapshot-format.md). Strict:
/// unknown fields and wrong types are errors, so a typo never silently
/// becomes a default. Amounts are integers in base units (cpu in
/// millicores, memory in bytes); times are RFC 3339 strings or seconds since
/// the Unix epoch.
decode_result decode_input(std::string_view text);

/// Reads a "config" object on its own (the same fields as a snapshot's
/// "config") into `cfg`; returns the error, if any.
std::optional<std::string> decode_config(std::string_view text, scheduling::planner_config& cfg);

/// The document `decode_input` reads back as the same input (times to the
/// millisecond). Fields at their defaults are left out.
std::string encode_input(const planner_input& input);

/// The plan as JSON: one entry per job in snapshot order, the queue as
/// "namespace/name" keys, and the warnings. `snap` must be the snapshot the
/// plan was made from.
std::string encode_plan(const scheduling::plan& p, const scheduling::snapshot& snap);

} // namespace lattice::snapshot_json
