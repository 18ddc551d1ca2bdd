#include "observability/json_log.hpp"

#include "base/json.hpp"
#include "base/time.hpp"

namespace lattice::observability {

namespace {

thread_local std::vector<log_field> fields_of_thread;

void append_field(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  base::append_json_escaped(out, key);
  out += "\":\"";
  base::append_json_escaped(out, value);
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

void json_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto ts = base::format_rfc3339(msg.time, 6);

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
      text.append("[").append(value).append("] ");
    else
      text.append(key).append("=").append(value).append(" ");
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
