#include "lifecycle/pod_create_failures.hpp"

#include <algorithm>

namespace lattice::lifecycle {
namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

/// FNV-1a: a cheap, stable hash for the jitter (not for security).
std::uint64_t fnv1a(std::string_view text, std::uint64_t seed) {
  std::uint64_t h = 14695981039346656037ULL ^ seed;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

} // namespace

create_failure_kind classify_create_failure(const write_result& r) {
  switch (r.status) {
  case 400: // malformed (a quantity such as nvidia.com/gpu: 1.5, an admission webhook's "bad request")
  case 422: // Invalid: a label value, a container name, requests above limits, ...
    return create_failure_kind::permanent;
  case 403:
    // A ResourceQuota frees up when other pods go; RBAC that does not let the
    // operator create pods is the operator's configuration, not the job's.
    if (contains(r.message, "exceeded quota") || contains(r.message, "cannot create resource"))
      return create_failure_kind::transient;
    // Pod Security admission ("violates PodSecurity") and any other
    // admission plugin or webhook that denies this pod.
    return create_failure_kind::permanent;
  default:
    // 429, 5xx, 404 (the namespace is being created or deleted), 0 (no
    // answer: timeout, connection refused or reset).
    return create_failure_kind::transient;
  }
}

std::chrono::milliseconds create_backoff(std::int32_t failures, std::string_view job_key) {
  using std::chrono::milliseconds;
  const auto doublings = std::clamp(failures - 1, 0, 16);
  const auto full = std::min(create_backoff_cap, create_backoff_base * (std::int64_t{1} << doublings));
  const auto half = full.count() / 2;
  const auto jitter = static_cast<std::int64_t>(fnv1a(job_key, static_cast<std::uint64_t>(failures))
                                                % static_cast<std::uint64_t>(half + 1));
  return milliseconds(half + jitter);
}

} // namespace lattice::lifecycle
