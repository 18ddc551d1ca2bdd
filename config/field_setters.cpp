#include "config/field_setters.hpp"

#include "config/duration.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <cmath>
#include <regex>
#include <sstream>
#include <utility>

namespace lattice::config::setters {

namespace {

bool parse_long(const std::string& text, long& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

} // namespace

apply_fn integer(const field_ref<int>& field, long min, long max) {
  return [=](operator_config& cfg, const std::string& text) {
    long value = 0;
    if (!parse_long(text, value) || value < min || value > max)
      return false;
    field(cfg) = static_cast<int>(value);
    return true;
  };
}

apply_fn real(const field_ref<double>& field, double min_exclusive, double max) {
  return [=](operator_config& cfg, const std::string& text) {
    std::istringstream in(text);
    double value = 0;
    in >> value;
    if (in.fail() || !in.eof() || !std::isfinite(value) || value <= min_exclusive || value > max)
      return false;
    field(cfg) = value;
    return true;
  };
}

apply_fn duration(const field_ref<milliseconds>& field, milliseconds min, milliseconds max) {
  return [=](operator_config& cfg, const std::string& text) {
    auto value = parse_duration(text);
    if (!value || *value < min || *value > max)
      return false;
    field(cfg) = *value;
    return true;
  };
}

apply_fn boolean(const field_ref<bool>& field) {
  return [=](operator_config& cfg, const std::string& text) {
    if (text == "true" || text == "1") {
      field(cfg) = true;
      return true;
    }
    if (text == "false" || text == "0") {
      field(cfg) = false;
      return true;
    }
    return false;
  };
}

apply_fn one_of(const field_ref<std::string>& field, std::vector<std::string> allowed) {
  return [field, allowed = std::move(allowed)](operator_config& cfg, const std::string& text) {
    for (const auto& candidate : allowed) {
      if (candidate == text) {
        field(cfg) = text;
        return true;
      }
    }
    return false;
  };
}

apply_fn text(const field_ref<std::string>& field, std::function<bool(const std::string&)> valid) {
  return [field, valid = std::move(valid)](operator_config& cfg, const std::string& value) {
    if (!valid(value))
      return false;
    field(cfg) = value;
    return true;
  };
}

show_fn show_integer(const field_ref<int>& field) {
  return [=](operator_config& cfg) { return std::to_string(field(cfg)); };
}

show_fn show_real(const field_ref<double>& field) {
  return [=](operator_config& cfg) {
    std::ostringstream out;
    out << field(cfg);
    return out.str();
  };
}

show_fn show_duration(const field_ref<milliseconds>& field) {
  return [=](operator_config& cfg) { return format_duration(field(cfg)); };
}

show_fn show_boolean(const field_ref<bool>& field) {
  return [=](operator_config& cfg) { return std::string(field(cfg) ? "true" : "false"); };
}

show_fn show_text(const field_ref<std::string>& field) {
  return [=](operator_config& cfg) {
    const auto& value = field(cfg);
    return value.empty() ? std::string("\"\"") : value;
  };
}

bool is_dns_label(const std::string& value) {
  static const std::regex pattern("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return value.size() <= 63 && std::regex_match(value, pattern);
}

bool is_dns_subdomain(const std::string& value) {
  static const std::regex pattern("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return value.size() <= 253 && std::regex_match(value, pattern);
}

bool is_resource_name(const std::string& value) {
  auto slash = value.find('/');
  std::string name = slash == std::string::npos ? value : value.substr(slash + 1);
  if (slash != std::string::npos && !is_dns_subdomain(value.substr(0, slash)))
    return false;
  static const std::regex pattern("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  return !name.empty() && name.size() <= 63 && std::regex_match(name, pattern);
}

std::map<std::string, std::string> parse_label_list(const std::string& value) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < value.size()) {
    auto end = value.find(',', start);
    if (end == std::string::npos)
      end = value.size();
    const auto pair = value.substr(start, end - start);
    const auto eq = pair.find('=');
    if (eq != std::string::npos)
      out[pair.substr(0, eq)] = pair.substr(eq + 1);
    start = end + 1;
  }
  return out;
}

bool is_label_list(const std::string& value) {
  if (value.empty())
    return true;
  static const std::regex label_value("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
  std::size_t pairs = 0;
  for (char c : value)
    pairs += c == ',';
  const auto parsed = parse_label_list(value);
  if (parsed.size() != pairs + 1)
    return false;
  for (const auto& [k, v] : parsed)
    if (!is_resource_name(k) || v.size() > 63 || !std::regex_match(v, label_value))
      return false;
  return true;
}

bool is_ip_address(const std::string& value) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, value.c_str(), buffer) == 1 || inet_pton(AF_INET6, value.c_str(), buffer) == 1;
}

} // namespace lattice::config::setters
