#include "app/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace lattice::app {

void setup_logging(const config::logging_config& cfg) {
  auto logger = spdlog::stderr_logger_mt("lattice");
  if (cfg.format == config::log_format::json) {
    // Keys follow the ts/level/msg convention log pipelines expect.
    // TODO(issue 8): escape quotes in messages with a custom formatter.
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(spdlog::level::from_str(cfg.level));
  spdlog::set_default_logger(logger);
}

} // namespace lattice::app
