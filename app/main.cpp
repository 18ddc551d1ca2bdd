// lattice-operator: the composition root. Parses the configuration, sets up
// logging, and runs the operator (app/operator_runtime.cpp).
#include "app/chart_test.hpp"
#include "app/install_agent.hpp"
#include "app/logging.hpp"
#include "app/operator_runtime.hpp"
#include "app/plan_command.hpp"
#include "config/loader.hpp"
#include "config/version.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>
#include <malloc.h>

int main(int argc, char** argv) {
  using namespace lattice;
  // glibc gives each thread that allocates its own 64 MiB arena; with the
  // watch, gateway, server and scheduler threads that multiplies the RSS
  // for no gain. Two arenas keep the footprint near the live data.
  mallopt(M_ARENA_MAX, 2);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "plan")
    return app::plan_command({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "install-agent") {
    if (args.size() != 2) {
      std::cerr << "usage: lattice-operator install-agent DIR\n";
      return 2;
    }
    const char* wheels = std::getenv("LATTICE_WHEEL_DIR");
    return app::install_agent(args[1], wheels ? wheels : "/opt/lattice/wheels");
  }
  if (!args.empty() && args[0] == "chart-test") {
    app::chart_test_options options;
    if (auto problem = app::parse_chart_test_args(args, options); !problem.empty()) {
      std::cerr << "lattice-operator chart-test: " << problem << "\n";
      return 2;
    }
    return app::run_chart_test(options);
  }
  auto outcome = config::load_config(args, config::process_env());
  switch (outcome.action) {
  case config::load_action::help:
    std::cout << config::help_text("lattice-operator");
    return 0;
  case config::load_action::version:
    std::cout << "lattice-operator " << lattice::version << "\n";
    return 0;
  case config::load_action::error:
    std::cerr << "lattice-operator: " << outcome.error << "\n";
    return 2;
  case config::load_action::run:
    break;
  }
  const auto& cfg = outcome.config;
  app::setup_logging(cfg.logging);
  spdlog::info("lattice-operator {} starting: group={} namespace={} kubeconfig={}", lattice::version,
               cfg.api_group, cfg.watch_namespace.empty() ? "<all>" : cfg.watch_namespace,
               cfg.api.kubeconfig.empty() ? "<in-cluster>" : cfg.api.kubeconfig);
  return app::run_operator(cfg);
}
