// Writes the exposition of a registry with every metric exercised, for
// `promtool check metrics` (see CMakeLists.txt).
#include "observability/metrics.hpp"
#include "test/unit/observability/exercise_metrics.hpp"

#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  lattice::observability::metrics m;
  lattice::observability::test::exercise_every_metric(m);
  auto text = lattice::observability::serialize(m.registry());
  if (argc > 1) {
    std::ofstream out(argv[1]);
    out << text;
    return out ? 0 : 1;
  }
  std::cout << text;
  return std::cout ? 0 : 1;
}
