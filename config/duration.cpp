#include "config/duration.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

namespace lattice::config {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::int64_t number = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, number);
  if (ec != std::errc{} || end == first || number < 0)
    return std::nullopt;
  std::string_view unit(end, static_cast<std::size_t>(last - end));
  std::int64_t scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1000;
  else if (unit == "ms")
    scale = 1;
  else if (unit == "m")
    scale = 60'000;
  else if (unit == "h")
    scale = 3'600'000;
  else
    return std::nullopt;
  if (number > std::numeric_limits<std::int64_t>::max() / scale)
    return std::nullopt;
  return std::chrono::milliseconds{number * scale};
}

std::string format_duration(std::chrono::milliseconds value) {
  auto ms = value.count();
  if (ms != 0 && ms % 3'600'000 == 0)
    return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0)
    return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

} // namespace lattice::config
