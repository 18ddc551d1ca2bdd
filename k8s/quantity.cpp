#include "k8s/quantity.hpp"

#include <array>
#include <cstddef>
#include <limits>
#include <string>

namespace lattice::k8s {

namespace {

// 40 digits (< 2^133) shifted by up to 2^60 stay far inside 256 bits.
constexpr std::size_t max_significant_digits = 40;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// The pieces of a quantity string, following apimachinery's
/// parseQuantityString and suffixer.interpret.
struct quantity_parts {
  bool negative = false;
  std::string_view integer; ///< leading zeros stripped
  std::string_view fraction;
  int base = 10;             ///< 10 or 2
  std::int64_t exponent = 0; ///< power of `base`
};

error quantity_error(std::string_view text, const char* why) {
  return decode_error("", "", "invalid quantity \"" + std::string(text) + "\": " + why);
}

/// Parses an optionally signed decimal integer (strconv.ParseInt rules).
bool parse_exponent(std::string_view s, std::int64_t& out) {
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    ++i;
  }
  if (i == s.size())
    return false;
  std::uint64_t value = 0;
  for (; i < s.size(); ++i) {
    if (!is_digit(s[i]))
      return false;
    value = value * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return false;
  }
  out = negative ? -static_cast<std::int64_t>(value) : static_cast<std::int64_t>(value);
  return true;
}

bool interpret_suffix(std::string_view suffix, quantity_parts& q) {
  struct entry {
    std::string_view text;
    int base;
    int exponent;
  };
  static constexpr std::array<entry, 16> table{{{"", 10, 0},
                                                {"n", 10, -9},
                                                {"u", 10, -6},
                                                {"m", 10, -3},
                                                {"k", 10, 3},
                                                {"M", 10, 6},
                                                {"G", 10, 9},
                                                {"T", 10, 12},
                                                {"P", 10, 15},
                                                {"E", 10, 18},
                                                {"Ki", 2, 10},
                                                {"Mi", 2, 20},
                                                {"Gi", 2, 30},
                                                {"Ti", 2, 40},
                                                {"Pi", 2, 50},
                                                {"Ei", 2, 60}}};
  for (const auto& e : table) {
    if (e.text == suffix) {
      q.base = e.base;
      q.exponent = e.exponent;
      return true;
    }
  }
  if (suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    q.base = 10;
    return parse_exponent(suffix.substr(1), q.exponent);
  }
  return false;
}

/// Splits `s` like parseQuantityString; returns nullptr or the reason it is malformed.
const char* split_quantity(std::string_view s, quantity_parts& q) {
  if (s.empty())
    return "empty";
  std::size_t pos = 0;
  const std::size_t end = s.size();
  if (s[0] == '-' || s[0] == '+') {
    q.negative = s[0] == '-';
    ++pos;
  }
  while (pos < end && s[pos] == '0')
    ++pos;
  std::size_t start = pos;
  while (pos < end && is_digit(s[pos]))
    ++pos;
  q.integer = s.substr(start, pos - start);
  if (pos < end && s[pos] == '.') {
    start = ++pos;
    while (pos < end && is_digit(s[pos]))
      ++pos;
    q.fraction = s.substr(start, pos - start);
  }
  // The suffix: letters from "eEinumkKMGTP", then an optional sign and digits.
  const std::size_t suffix_start = pos;
  static constexpr std::string_view suffix_letters = "eEinumkKMGTP";
  while (pos < end && suffix_letters.find(s[pos]) != std::string_view::npos)
    ++pos;
  if (pos < end && (s[pos] == '-' || s[pos] == '+'))
    ++pos;
  while (pos < end && is_digit(s[pos]))
    ++pos;
  if (pos != end)
    return "unexpected characters (expected [+-]digits[.digits][suffix])";
  if (!interpret_suffix(s.substr(suffix_start), q))
    return "unknown suffix (expected one of n u m k M G T P E Ki Mi Gi Ti Pi Ei or an exponent e<N>)";
  return nullptr;
}

/// A 256-bit unsigned integer, enough for 40 decimal digits times 2^60 times 10^3.
class uint256 {
public:
  void mul_add(std::uint32_t factor, std::uint32_t addend) {
    unsigned __int128 carry = addend;
    for (auto& limb : limbs_) {
      unsigned __int128 t = static_cast<unsigned __int128>(limb) * factor + carry;
      limb = static_cast<std::uint64_t>(t);
      carry = t >> 64;
    }
  }
  void shift_left(unsigned bits) { // bits <= 63
    if (bits == 0)
      return;
    for (std::size_t i = limbs_.size(); i-- > 0;) {
      limbs_[i] <<= bits;
      if (i > 0)
        limbs_[i] |= limbs_[i - 1] >> (64 - bits);
    }
  }
  /// Divides by `divisor`, returning the remainder.
  std::uint32_t div(std::uint32_t divisor) {
    unsigned __int128 rem = 0;
    for (std::size_t i = limbs_.size(); i-- > 0;) {
      unsigned __int128 cur = (rem << 64) | limbs_[i];
      limbs_[i] = static_cast<std::uint64_t>(cur / divisor);
      rem = cur % divisor;
    }
    return static_cast<std::uint32_t>(rem);
  }
  bool zero() const { return (limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  bool fits_int64() const {
    return limbs_[1] == 0 && limbs_[2] == 0 && limbs_[3] == 0
           && limbs_[0] <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  }
  std::uint64_t low() const { return limbs_[0]; }

private:
  std::array<std::uint64_t, 4> limbs_{};
};

/// value(text) * 10^extra_exponent, rounded away from zero.
result<std::int64_t> scaled_quantity(std::string_view text, int extra_exponent) {
  quantity_parts q;
  if (const char* why = split_quantity(text, q))
    return quantity_error(text, why);

  // Exponents beyond +-10^6 behave like +-10^6 for any int64 result.
  constexpr std::int64_t exponent_clamp = 1'000'000;
  std::int64_t exponent = q.exponent;
  if (exponent > exponent_clamp)
    exponent = exponent_clamp;
  if (exponent < -exponent_clamp)
    exponent = -exponent_clamp;
  std::int64_t power10 = extra_exponent - static_cast<std::int64_t>(q.fraction.size());
  unsigned power2 = 0;
  if (q.base == 10)
    power10 += exponent;
  else
    power2 = static_cast<unsigned>(exponent); // 10..60 from the suffix table

  // Significant digits: integer then fraction, leading zeros skipped. A
  // digit dropped beyond max_significant_digits scales the kept ones by 10.
  uint256 amount;
  std::size_t kept = 0;
  bool inexact = false;
  bool leading = true;
  auto take = [&](std::string_view digits) {
    for (char c : digits) {
      if (leading && c == '0')
        continue;
      leading = false;
      if (kept < max_significant_digits) {
        amount.mul_add(10, static_cast<std::uint32_t>(c - '0'));
        ++kept;
      } else {
        inexact = inexact || c != '0';
        ++power10;
      }
    }
  };
  take(q.integer);
  take(q.fraction);
  if (amount.zero())
    return std::int64_t{0};

  amount.shift_left(power2);
  if (power10 >= 0) {
    for (std::int64_t i = 0; i < power10; ++i) {
      amount.mul_add(10, 0);
      if (!amount.fits_int64())
        break;
    }
  } else {
    bool remainder = inexact;
    for (std::int64_t i = 0; i < -power10 && !amount.zero(); ++i)
      remainder = amount.div(10) != 0 || remainder;
    if (remainder)
      amount.mul_add(1, 1);
  }
  if (!amount.fits_int64())
    return quantity_error(text, "too large for a 64-bit integer");
  const auto magnitude = static_cast<std::int64_t>(amount.low());
  return q.negative ? -magnitude : magnitude;
}

} // namespace

result<std::int64_t> parse_quantity_milli(std::string_view text) {
  return scaled_quantity(text, 3);
}

result<std::int64_t> parse_quantity_value(std::string_view text) {
  return scaled_quantity(text, 0);
}

result<std::int64_t> parse_resource_quantity(std::string_view name, std::string_view text) {
  return name == "cpu" ? parse_quantity_milli(text) : parse_quantity_value(text);
}

} // namespace lattice::k8s
