#pragma once

#include <string>
#include <vector>

namespace lattice::app {

/// What `lattice-operator chart-test` checks (the chart's `helm test` hook).
struct chart_test_options {
  /// The operator's readiness endpoint through its Service, e.g.
  /// http://lattice-operator.lattice.svc:8081/readyz (plain HTTP).
  std::string readyz_url;
  /// The TrainingJob API group whose v1 discovery document must list
  /// "trainingjobs" (the CRD is served).
  std::string api_group;
};

/// Parses `chart-test --readyz-url URL --api-group G`; an empty error on success.
std::string parse_chart_test_args(const std::vector<std::string>& args, chart_test_options& out);

/// Runs the checks from inside a pod (in-cluster configuration for the API
/// server). Prints one line per check; returns the process exit code (0
/// when both pass, 1 otherwise).
int run_chart_test(const chart_test_options& options);

} // namespace lattice::app
