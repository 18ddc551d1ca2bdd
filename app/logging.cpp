#include "app/logging.hpp"

#include "observability/json_log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace lattice::app {

void setup_logging(const config::logging_config& cfg) {
  auto logger = spdlog::stderr_logger_mt("lattice");
  if (cfg.format == config::log_format::json) {
    // One escaped JSON object per line, plus fields such as object="ns/name".
    logger->set_formatter(std::make_unique<observability::json_formatter>());
  } else {
    // %* prints "[ns/name] " on lines logged inside observability::log_object.
    logger->set_formatter(observability::make_text_formatter("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %*%v"));
  }
  logger->set_level(spdlog::level::from_str(cfg.level));
  spdlog::set_default_logger(logger);
}

} // namespace lattice::app
