#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lattice::k8s {

/// One named resource amount other than cpu and memory ("nvidia.com/gpu",
/// "ephemeral-storage", "pods", ...), in whole base units (bytes or counts).
struct resource_amount {
  std::string name;
  std::int64_t value = 0;
};

/// A ResourceList as integers: cpu in millicores, memory in bytes, every
/// other resource in whole base units, each rounded up the way
/// resource.Quantity's MilliValue()/Value() round. cpu and memory get fixed
/// slots because every pod and node has them; the rest is a short vector
/// sorted by name (usually 0-3 entries), cheaper than a map per pod.
struct resource_list {
  std::int64_t cpu_millis = 0;
  std::int64_t memory_bytes = 0;
  std::vector<resource_amount> others;

  /// The amount of `name` in the units above ("cpu" in millicores); 0 when absent.
  std::int64_t get(std::string_view name) const {
    if (name == "cpu")
      return cpu_millis;
    if (name == "memory")
      return memory_bytes;
    for (const auto& r : others)
      if (r.name == name)
        return r.value;
    return 0;
  }

  /// Sets `name` to `value` (millicores for "cpu"), keeping `others` sorted.
  void set(std::string_view name, std::int64_t value) {
    if (name == "cpu") {
      cpu_millis = value;
      return;
    }
    if (name == "memory") {
      memory_bytes = value;
      return;
    }
    auto it = others.begin();
    while (it != others.end() && it->name < name)
      ++it;
    if (it != others.end() && it->name == name)
      it->value = value;
    else
      others.insert(it, resource_amount{std::string(name), value});
  }

  bool empty() const { return cpu_millis == 0 && memory_bytes == 0 && others.empty(); }

  friend bool operator==(const resource_list& a, const resource_list& b) {
    if (a.cpu_millis != b.cpu_millis || a.memory_bytes != b.memory_bytes
        || a.others.size() != b.others.size())
      return false;
    for (std::size_t i = 0; i < a.others.size(); ++i)
      if (a.others[i].name != b.others[i].name || a.others[i].value != b.others[i].value)
        return false;
    return true;
  }
  friend bool operator!=(const resource_list& a, const resource_list& b) { return !(a == b); }
};

} // namespace lattice::k8s
