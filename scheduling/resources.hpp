#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lattice::scheduling {

/// The node resource counting pods (allocatable `pods`, the kubelet's
/// max-pods): every worker requests 1, every other pod on the node uses 1.
inline constexpr const char* pods_resource = "pods";
/// What a node that reports no allocatable `pods` allows (hand-made Node
/// objects and snapshot documents written without it).
inline constexpr std::int64_t unlimited_pods = std::int64_t{1} << 30;

/// Resource amounts in base units: cpu in millicores, memory in bytes,
/// GPUs and other extended resources in whole units. The k8s layer converts
/// Kubernetes quantities; nothing here parses quantity strings.
class resource_list {
public:
  using entry = std::pair<std::string, int64_t>;

  resource_list() = default;
  resource_list(std::initializer_list<entry> entries);

  /// Sets `name` to `amount` (replacing any previous amount).
  void set(std::string_view name, int64_t amount);

  /// The amount of `name`, 0 when absent.
  int64_t get(std::string_view name) const;

  /// Entries sorted by name, each name once.
  const std::vector<entry>& entries() const { return entries_; }

  bool empty() const { return entries_.empty(); }

  friend bool operator==(const resource_list& a, const resource_list& b) { return a.entries_ == b.entries_; }

private:
  std::vector<entry> entries_;
};

/// "{cpu: 4, memory: 16Gi, nvidia.com/gpu: 8}": cpu as cores or millicores,
/// memory with a binary suffix when exact, anything else as a plain integer.
std::string format_resources(const resource_list& resources);

} // namespace lattice::scheduling
