#include "app/plan_command.hpp"

#include "snapshot_json/plan_command.hpp"

#include <iostream>

namespace lattice::app {

int plan_command(const std::vector<std::string>& args) {
  return snapshot_json::run_plan_command(args, std::cin, std::cout, std::cerr, "lattice-operator");
}

} // namespace lattice::app
