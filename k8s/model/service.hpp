#pragma once

#include "k8s/model/scheduling_constraints.hpp"
#include "k8s/object_meta.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace lattice::k8s {

struct service_port {
  std::string name;
  std::string protocol = "TCP";
  std::int32_t port = 0;
  /// targetPort as a number (0 when absent or named)...
  std::int32_t target_port = 0;
  /// ...or as a container port name.
  std::string target_port_name;
};

/// A core/v1 Service. Headless services have cluster_ip "None".
struct service {
  object_meta meta;
  std::string cluster_ip;
  /// spec.selector, sorted by key.
  std::vector<label_pair> selector;
  std::vector<service_port> ports;

  bool headless() const { return cluster_ip == "None"; }
};

} // namespace lattice::k8s
