#include "scheduling/resources.hpp"

#include <algorithm>

namespace lattice::scheduling {

resource_list::resource_list(std::initializer_list<entry> entries) {
  for (const auto& [name, amount] : entries)
    set(name, amount);
}

void resource_list::set(std::string_view name, int64_t amount) {
  auto pos = std::lower_bound(entries_.begin(), entries_.end(), name,
                              [](const entry& e, std::string_view n) { return e.first < n; });
  if (pos != entries_.end() && pos->first == name)
    pos->second = amount;
  else
    entries_.emplace(pos, std::string{name}, amount);
}

int64_t resource_list::get(std::string_view name) const {
  auto pos = std::lower_bound(entries_.begin(), entries_.end(), name,
                              [](const entry& e, std::string_view n) { return e.first < n; });
  return pos != entries_.end() && pos->first == name ? pos->second : 0;
}

namespace {

std::string format_amount(std::string_view name, int64_t amount) {
  if (name == "cpu")
    return amount % 1000 == 0 ? std::to_string(amount / 1000) : std::to_string(amount) + "m";
  if (name == "memory" && amount != 0) {
    static constexpr std::pair<int64_t, const char*> units[] = {{int64_t{1} << 40, "Ti"},
                                                                {int64_t{1} << 30, "Gi"},
                                                                {int64_t{1} << 20, "Mi"},
                                                                {int64_t{1} << 10, "Ki"}};
    for (const auto& [size, suffix] : units)
      if (amount % size == 0)
        return std::to_string(amount / size) + suffix;
  }
  return std::to_string(amount);
}

} // namespace

std::string format_resources(const resource_list& resources) {
  std::string out = "{";
  for (const auto& [name, amount] : resources.entries()) {
    // Every worker requests one of its node's `pods`: implied, not news.
    if (name == pods_resource)
      continue;
    if (out.size() > 1)
      out += ", ";
    out += name;
    out += ": ";
    out += format_amount(name, amount);
  }
  out += "}";
  return out;
}

} // namespace lattice::scheduling
