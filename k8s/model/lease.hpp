#pragma once

#include "k8s/object_meta.hpp"

#include <cstdint>
#include <string>

namespace lattice::k8s {

/// A coordination.k8s.io/v1 Lease (leader election). Times are MicroTime
/// strings ("2026-01-02T03:04:05.000000Z"), "" when absent.
struct lease {
  object_meta meta;
  std::string holder_identity;
  std::int32_t lease_duration_seconds = 0;
  std::string acquire_time;
  std::string renew_time;
  std::int32_t lease_transitions = 0;
};

} // namespace lattice::k8s
