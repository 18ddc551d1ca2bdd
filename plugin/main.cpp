// kubectl-lattice: found on PATH, it runs as `kubectl lattice VERB ...`.
#include "plugin/verbs.hpp"

#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return lattice::plugin::run(args, std::cout, std::cerr, isatty(STDOUT_FILENO) != 0);
}
