#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace lattice::snapshot_json {

/// The `plan` verb shared by lattice-operator and lattice-sim:
///
///   plan --snapshot FILE|- [--now TIME] [--output json|text]
///   plan --stream [--now TIME] [--output json|text]
///
/// reads a snapshot document (docs/reference/snapshot-format.md), runs
/// `scheduling::make_plan` and prints the plan. `--now` (RFC 3339 or Unix
/// seconds) wins over the document's "now", which wins over the wall clock.
/// `--stream` reads one document per line from `in` and prints one plan per
/// line, for simulators that plan many times. Returns the exit code: 0, 1
/// for a bad document, 2 for bad arguments.
int run_plan_command(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                     std::ostream& err, std::string_view program);

} // namespace lattice::snapshot_json
