#pragma once

#include "plugin/cluster_summary.hpp"
#include "plugin/history.hpp"
#include "plugin/queue_analysis.hpp"
#include "plugin/simulation.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace lattice::plugin {

/// How a verb prints: a table for people, JSON or YAML for scripts.
enum class output_format { table, json, yaml };

/// The JSON forms (also the source of -o yaml). Times are RFC 3339 UTC.
boost::json::value row_json(const job_row& r);
boost::json::value simulation_json(const simulation_result& r);
boost::json::value summary_json(const cluster_summary& s);
boost::json::value history_json(const std::vector<history_input>& h);

/// `v` in `format` (json: pretty enough for people, one value per line).
std::string serialise(const boost::json::value& v, output_format format);

/// The queue table, then one line per job that waits or is below maxSize
/// saying what would have to change. `all_namespaces` adds the NAMESPACE column.
std::string queue_text(const std::vector<job_row>& rows, bool all_namespaces, scheduling::time_point now,
                       bool colours);

/// One job's answer: its row as "key: value" lines, what would change, and
/// its history (none from a snapshot document).
std::string why_text(const job_row& r, const std::optional<std::vector<history_input>>& history,
                     scheduling::time_point now, bool colours);

std::string simulation_text(const simulation_result& r, const std::string& config_source, bool colours);

std::string summary_text(const cluster_summary& s, const std::string& gpu_resource,
                         scheduling::time_point now);

/// The History section of `why`: a table of conditions and Events, oldest first.
std::string history_text(const std::vector<history_input>& history);

/// The ESTIMATE column: "now", an RFC 3339 instant, or "unknown".
std::string estimate_text(const start_estimate& e, const std::string& planned_stage);

} // namespace lattice::plugin
