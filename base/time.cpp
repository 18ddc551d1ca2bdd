#include "base/time.hpp"

#include <array>
#include <cstdint>

namespace lattice::base {
namespace {

// Civil date <-> days since 1970-01-01 (Howard Hinnant's algorithms): no C
// library time zone or locale involved.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

civil_date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool is_leap(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr std::array<unsigned, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : days.at(month - 1);
}

/// Reads a text left to right; every read fails once one has.
class reader {
public:
  explicit reader(std::string_view text) : text_(text) {}

  /// Exactly `width` digits.
  std::int64_t digits(std::size_t width) {
    std::int64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      if (!is_digit())
        return fail();
      value = value * 10 + (text_[pos_++] - '0');
    }
    return value;
  }
  /// One of `a` or `b`.
  void expect(char a, char b = '\0') {
    if (ok_ && pos_ < text_.size() && (text_[pos_] == a || (b != '\0' && text_[pos_] == b)))
      ++pos_;
    else
      fail();
  }
  bool next_is(char c) const { return ok_ && pos_ < text_.size() && text_[pos_] == c; }
  bool is_digit() const { return ok_ && pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9'; }
  char take() { return text_[pos_++]; }
  bool at_end() const { return pos_ == text_.size(); }
  bool ok() const { return ok_; }
  std::int64_t fail() {
    ok_ = false;
    return 0;
  }

private:
  std::string_view text_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

/// The optional fraction after the seconds, in nanoseconds.
std::int64_t read_fraction(reader& in) {
  if (!in.next_is('.'))
    return 0;
  in.take();
  if (!in.is_digit())
    return in.fail();
  std::int64_t nanos = 0;
  std::int64_t scale = 100'000'000;
  while (in.is_digit()) {
    nanos += (in.take() - '0') * scale;
    scale /= 10;
  }
  return nanos;
}

/// "Z" or a "+hh:mm" / "-hh:mm" offset, in seconds east of UTC.
std::int64_t read_offset(reader& in) {
  if (in.next_is('Z') || in.next_is('z')) {
    in.take();
    return 0;
  }
  if (!in.next_is('+') && !in.next_is('-'))
    return in.fail();
  const std::int64_t sign = in.take() == '-' ? -1 : 1;
  const auto hours = in.digits(2);
  in.expect(':');
  const auto minutes = in.digits(2);
  if (hours > 23 || minutes > 59)
    return in.fail();
  return sign * (hours * 3600 + minutes * 60);
}

} // namespace

std::optional<time_point> parse_rfc3339(std::string_view text) {
  reader in(text);
  const auto year = in.digits(4);
  in.expect('-');
  const auto month = in.digits(2);
  in.expect('-');
  const auto day = in.digits(2);
  in.expect('T', 't');
  const auto hour = in.digits(2);
  in.expect(':');
  const auto minute = in.digits(2);
  in.expect(':');
  const auto second = in.digits(2);
  const auto nanos = read_fraction(in);
  const auto offset = read_offset(in);
  if (!in.ok() || !in.at_end())
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, static_cast<unsigned>(month))
      || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  const std::int64_t seconds =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hour * 3600
      + minute * 60 + second - offset;
  const auto since_epoch = std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos);
  return time_point(std::chrono::duration_cast<time_point::duration>(since_epoch));
}

std::optional<time_point> parse_optional_time(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  return parse_rfc3339(text);
}

std::string format_rfc3339(time_point t, int fraction_digits) {
  using namespace std::chrono;
  const auto since_epoch = duration_cast<nanoseconds>(t.time_since_epoch());
  auto secs = duration_cast<seconds>(since_epoch);
  if (secs > since_epoch)
    secs -= seconds(1); // floor, also before 1970
  const std::int64_t nanos = (since_epoch - secs).count();
  std::int64_t days = secs.count() / 86400;
  std::int64_t rest = secs.count() % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  const auto date = civil_from_days(days);
  std::string out;
  out.reserve(32);
  const auto put = [&out](std::int64_t value, int width) {
    std::array<char, 20> buf{};
    for (int i = width - 1; i >= 0; --i, value /= 10)
      buf.at(static_cast<std::size_t>(i)) = static_cast<char>('0' + value % 10);
    out.append(buf.data(), static_cast<std::size_t>(width));
  };
  put(date.year, 4);
  out += '-';
  put(date.month, 2);
  out += '-';
  put(date.day, 2);
  out += 'T';
  put(rest / 3600, 2);
  out += ':';
  put(rest / 60 % 60, 2);
  out += ':';
  put(rest % 60, 2);
  if (fraction_digits > 0) {
    const int digits = fraction_digits > 9 ? 9 : fraction_digits;
    std::int64_t scaled = nanos;
    for (int i = digits; i < 9; ++i)
      scaled /= 10;
    out += '.';
    put(scaled, digits);
  }
  out += 'Z';
  return out;
}

} // namespace lattice::base
