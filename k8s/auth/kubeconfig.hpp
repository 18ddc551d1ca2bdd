#pragma once

#include "base/clock.hpp"
#include "k8s/auth/cluster_config.hpp"
#include "k8s/result.hpp"

#include <chrono>
#include <string>

namespace lattice::k8s::auth {

struct kubeconfig_options {
  /// Empty: the kubeconfig's current-context.
  std::string context;
  /// How often a tokenFile is re-read.
  std::chrono::seconds token_refresh{60};
  base::clock* time = &base::system_clock();
};

/// Loads one kubeconfig file (a single path; KUBECONFIG lists are not
/// merged). Relative file paths in it resolve against its directory, as
/// kubectl does. Errors name the file and the key.
result<cluster_config> load_kubeconfig(const std::string& path, const kubeconfig_options& options = {});

/// The same from YAML text; `path` is used for messages and relative paths.
result<cluster_config> parse_kubeconfig(const std::string& yaml, const std::string& path,
                                        const kubeconfig_options& options = {});

} // namespace lattice::k8s::auth
