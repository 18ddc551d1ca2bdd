#include "lifecycle/rfc3339.hpp"

#include <cstdint>

namespace lattice::lifecycle {
namespace {

/// Reads exactly `width` digits at `pos`; advances `pos`.
std::optional<int> read_digits(std::string_view text, std::size_t& pos, std::size_t width) {
  if (pos + width > text.size())
    return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c)
    return false;
  ++pos;
  return true;
}

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

} // namespace

std::optional<scheduling::time_point> parse_rfc3339(std::string_view text) {
  std::size_t pos = 0;
  const auto year = read_digits(text, pos, 4);
  if (!year || !expect(text, pos, '-'))
    return std::nullopt;
  const auto month = read_digits(text, pos, 2);
  if (!month || !expect(text, pos, '-'))
    return std::nullopt;
  const auto day = read_digits(text, pos, 2);
  if (!day || pos >= text.size() || (text[pos] != 'T' && text[pos] != 't'))
    return std::nullopt;
  ++pos;
  const auto hour = read_digits(text, pos, 2);
  if (!hour || !expect(text, pos, ':'))
    return std::nullopt;
  const auto minute = read_digits(text, pos, 2);
  if (!minute || !expect(text, pos, ':'))
    return std::nullopt;
  const auto second = read_digits(text, pos, 2);
  if (!second)
    return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) || *hour > 23
      || *minute > 59 || *second > 60)
    return std::nullopt;

  std::int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    std::int64_t scale = 100'000'000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      nanos += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0)
      return std::nullopt;
  }

  std::int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const auto off_h = read_digits(text, pos, 2);
    if (!off_h || !expect(text, pos, ':'))
      return std::nullopt;
    const auto off_m = read_digits(text, pos, 2);
    if (!off_m || *off_h > 23 || *off_m > 59)
      return std::nullopt;
    offset_seconds = sign * (*off_h * 3600 + *off_m * 60);
  } else {
    return std::nullopt;
  }
  if (pos != text.size())
    return std::nullopt;

  // A leap second (":60") is folded onto the next second, as Go's parser does.
  const std::int64_t seconds =
      days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) * 86400
      + *hour * 3600 + *minute * 60 + *second - offset_seconds;
  const auto since_epoch = std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos);
  return scheduling::time_point(std::chrono::duration_cast<scheduling::time_point::duration>(since_epoch));
}

std::string format_rfc3339(scheduling::time_point t) {
  return scheduling::format_time(t);
}

} // namespace lattice::lifecycle
