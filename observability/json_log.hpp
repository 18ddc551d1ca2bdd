#pragma once

#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lattice::observability {

using log_field = std::pair<std::string, std::string>;

/// Structured fields added to every log line the current thread writes while
/// the scope lives (spdlog's synchronous loggers format on the calling
/// thread). Scopes nest; an inner field with the same key wins.
class log_fields_scope {
public:
  explicit log_fields_scope(std::vector<log_field> fields);
  ~log_fields_scope();

  log_fields_scope(const log_fields_scope&) = delete;
  log_fields_scope& operator=(const log_fields_scope&) = delete;

private:
  std::size_t pushed_;
};

/// The scope for lines about one Kubernetes object: field object="ns/name".
log_fields_scope log_object(std::string_view ns, std::string_view name);

/// The fields of the current thread, innermost last.
const std::vector<log_field>& current_log_fields();

/// One JSON object per line: {"ts","level","logger","msg", fields...}.
/// Keys follow the ts/level/msg convention log pipelines expect.
class json_formatter final : public spdlog::formatter {
public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

/// Custom pattern flag for text logs: "[ns/name] " (and other fields as
/// key=value) when fields are set, nothing otherwise.
class text_fields_flag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm& tm_time,
              spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override;
};

/// The flag character text_fields_flag is registered under.
inline constexpr char text_fields_flag_char = '*';

/// A pattern formatter for text logs (times in UTC) with `pattern` using %*
/// for the fields.
std::unique_ptr<spdlog::formatter> make_text_formatter(const std::string& pattern);

} // namespace lattice::observability
