#include "k8s/leader/lease_logic.hpp"

#include <cstdio>

namespace lattice::k8s::leader {

namespace {

using std::chrono::microseconds;

// Civil date <-> days since 1970-01-01 (Howard Hinnant's algorithms), so
// formatting and parsing need neither the C library's time zone nor locale.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t year;
  unsigned month, day;
};

civil civil_from_days(std::int64_t z) {
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

/// Reads exactly `n` digits at `pos`; false when any is missing.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char a, char b = '\0') {
  if (pos >= s.size() || (s[pos] != a && (b == '\0' || s[pos] != b)))
    return false;
  ++pos;
  return true;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(int y, int m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

} // namespace

std::string check_options(const elector_options& options) {
  if (options.lease_name.empty())
    return "leader election: lease name is empty";
  if (options.lease_namespace.empty())
    return "leader election: lease namespace is empty";
  if (options.identity.empty())
    return "leader election: identity is empty";
  if (options.retry_period.count() <= 0)
    return "leader election: retry period must be positive";
  if (options.renew_deadline <= options.retry_period)
    return "leader election: renew deadline must exceed the retry period";
  if (options.lease_duration <= options.renew_deadline)
    return "leader election: lease duration must exceed the renew deadline";
  return {};
}

std::string format_micro_time(time_point t) {
  const auto us = std::chrono::duration_cast<microseconds>(t.time_since_epoch()).count();
  constexpr std::int64_t per_day = 86'400'000'000;
  std::int64_t days = us / per_day;
  std::int64_t rest = us % per_day;
  if (rest < 0) {
    rest += per_day;
    --days;
  }
  const auto date = civil_from_days(days);
  const auto secs = rest / 1'000'000;
  char text[40];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                static_cast<long long>(date.year), date.month, date.day, static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60),
                static_cast<long long>(rest % 1'000'000));
  return text;
}

std::optional<time_point> parse_micro_time(std::string_view s) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) || !expect(s, pos, '-')
      || !digits(s, pos, 2, day) || !expect(s, pos, 'T', 't') || !digits(s, pos, 2, hour)
      || !expect(s, pos, ':') || !digits(s, pos, 2, minute) || !expect(s, pos, ':')
      || !digits(s, pos, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || static_cast<unsigned>(day) > days_in_month(year, month)
      || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  std::int64_t fraction_us = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t count = 0;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++count)
      if (count < 6)
        fraction_us = fraction_us * 10 + (s[pos] - '0');
    if (count == 0)
      return std::nullopt;
    for (; count < 6; ++count)
      fraction_us *= 10;
  }
  std::int64_t offset_s = 0;
  if (expect(s, pos, 'Z', 'z')) {
    // UTC
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos++] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!digits(s, pos, 2, oh) || !expect(s, pos, ':') || !digits(s, pos, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_s = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (pos != s.size())
    return std::nullopt;
  const std::int64_t secs =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hour * 3600
      + minute * 60 + second - offset_s;
  return time_point(
      std::chrono::duration_cast<time_point::duration>(microseconds(secs * 1'000'000 + fraction_us)));
}

std::int32_t whole_seconds(std::chrono::milliseconds d) {
  const auto s = (d.count() + 999) / 1000;
  return static_cast<std::int32_t>(s < 1 ? 1 : s);
}

observed_record observe(const lease& current, const std::optional<observed_record>& previous,
                        time_point now) {
  observed_record r;
  r.holder = current.holder_identity;
  r.acquire_time = current.acquire_time;
  r.renew_time = current.renew_time;
  r.lease_duration_seconds = current.lease_duration_seconds;
  r.lease_transitions = current.lease_transitions;
  const bool unchanged = previous && previous->holder == r.holder && previous->acquire_time == r.acquire_time
                         && previous->renew_time == r.renew_time
                         && previous->lease_duration_seconds == r.lease_duration_seconds
                         && previous->lease_transitions == r.lease_transitions;
  r.seen_at = unchanged ? previous->seen_at : now;
  return r;
}

time_point expiry(const observed_record& record, const elector_options& options) {
  const auto duration = record.lease_duration_seconds > 0
                            ? std::chrono::milliseconds(std::chrono::seconds(record.lease_duration_seconds))
                            : options.lease_duration;
  return record.seen_at + duration;
}

const char* to_string(lease_action action) {
  switch (action) {
  case lease_action::create:
    return "create";
  case lease_action::take_over:
    return "take over";
  case lease_action::renew:
    return "renew";
  case lease_action::stand_by:
    return "stand by";
  }
  return "unknown";
}

lease_decision decide(const std::optional<lease>& current, const std::optional<observed_record>& previous,
                      const elector_options& options, time_point now) {
  lease_decision d;
  const auto stamp = format_micro_time(now);
  if (!current) {
    d.action = lease_action::create;
    d.to_write.meta.name = options.lease_name;
    d.to_write.meta.namespace_ = options.lease_namespace;
    d.to_write.holder_identity = options.identity;
    d.to_write.lease_duration_seconds = whole_seconds(options.lease_duration);
    d.to_write.acquire_time = stamp;
    d.to_write.renew_time = stamp;
    d.to_write.lease_transitions = 0;
    return d;
  }
  d.record = observe(*current, previous, now);
  const auto& holder = current->holder_identity;
  const bool ours = holder == options.identity;
  if (!holder.empty() && !ours && now < expiry(*d.record, options)) {
    d.action = lease_action::stand_by;
    return d;
  }
  d.action = ours ? lease_action::renew : lease_action::take_over;
  d.to_write = *current;
  d.to_write.holder_identity = options.identity;
  d.to_write.lease_duration_seconds = whole_seconds(options.lease_duration);
  d.to_write.renew_time = stamp;
  if (ours) {
    if (d.to_write.acquire_time.empty())
      d.to_write.acquire_time = stamp;
  } else {
    d.to_write.acquire_time = stamp;
    d.to_write.lease_transitions = current->lease_transitions + 1;
  }
  return d;
}

lease released(const lease& held, time_point now) {
  lease l = held;
  const auto stamp = format_micro_time(now);
  l.holder_identity.clear();
  l.lease_duration_seconds = 1;
  l.acquire_time = stamp;
  l.renew_time = stamp;
  return l;
}

} // namespace lattice::k8s::leader
