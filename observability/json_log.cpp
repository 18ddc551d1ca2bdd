#include "observability/json_log.hpp"

#include <cstdint>
#include <cstdio>
#include <ctime>

namespace lattice::observability {

namespace {

thread_local std::vector<log_field> fields_of_thread;

/// Length of the valid UTF-8 sequence starting at text[i], 0 if invalid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t len = 0;
  std::uint32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
    min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size())
    return 0;
  std::uint32_t cp = lead & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
  if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return len;
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  append_json_escaped(out, key);
  out += "\":\"";
  append_json_escaped(out, value);
  out += '"';
}

} // namespace

log_fields_scope::log_fields_scope(std::vector<log_field> fields) : pushed_(fields.size()) {
  for (auto& f : fields)
    fields_of_thread.push_back(std::move(f));
}

log_fields_scope::~log_fields_scope() {
  fields_of_thread.resize(fields_of_thread.size() - pushed_);
}

log_fields_scope log_object(std::string_view ns, std::string_view name) {
  std::string object(ns);
  object += '/';
  object += name;
  return log_fields_scope({{"object", std::move(object)}});
}

const std::vector<log_field>& current_log_fields() {
  return fields_of_thread;
}

void append_json_escaped(std::string& out, std::string_view text) {
  static const char* hex = "0123456789abcdef";
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      if (auto len = utf8_sequence_length(text, i); len != 0) {
        out.append(text.substr(i, len));
        i += len;
      } else {
        out += "\xEF\xBF\xBD"; // U+FFFD replacement character
        ++i;
      }
      continue;
    }
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (c < 0x20 || c == 0x7F) {
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xF];
      } else {
        out += static_cast<char>(c);
      }
    }
    ++i;
  }
}

void json_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  using namespace std::chrono;
  auto since_epoch = msg.time.time_since_epoch();
  auto secs = duration_cast<seconds>(since_epoch);
  auto micros = duration_cast<microseconds>(since_epoch - secs).count();
  std::time_t t = secs.count();
  std::tm utc{};
  gmtime_r(&t, &utc);
  char ts[40];
  std::size_t n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(ts + n, sizeof ts - n, ".%06ldZ", static_cast<long>(micros));

  std::string line;
  line.reserve(msg.payload.size() + 128);
  line += "{\"ts\":\"";
  line += ts;
  line += '"';
  auto level = spdlog::level::to_string_view(msg.level);
  append_field(line, "level", std::string_view(level.data(), level.size()));
  append_field(line, "logger", std::string_view(msg.logger_name.data(), msg.logger_name.size()));
  append_field(line, "msg", std::string_view(msg.payload.data(), msg.payload.size()));
  const auto& fields = fields_of_thread;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    bool shadowed = false; // an inner scope's field of the same key wins
    for (std::size_t j = i + 1; j < fields.size() && !shadowed; ++j)
      shadowed = fields[j].first == fields[i].first;
    if (!shadowed)
      append_field(line, fields[i].first, fields[i].second);
  }
  line += "}\n";
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> json_formatter::clone() const {
  return std::make_unique<json_formatter>();
}

void text_fields_flag::format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) {
  std::string text;
  for (const auto& [key, value] : fields_of_thread) {
    if (key == "object")
      text += "[" + value + "] ";
    else
      text += key + "=" + value + " ";
  }
  dest.append(text.data(), text.data() + text.size());
}

std::unique_ptr<spdlog::custom_flag_formatter> text_fields_flag::clone() const {
  return std::make_unique<text_fields_flag>();
}

std::unique_ptr<spdlog::formatter> make_text_formatter(const std::string& pattern) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<text_fields_flag>(text_fields_flag_char).set_pattern(pattern);
  return formatter;
}

} // namespace lattice::observability
