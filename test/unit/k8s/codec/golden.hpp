#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace lattice::k8s::test {

/// The content of test/unit/k8s/codec/golden/<name>; throws (failing the
/// test) when the file is missing.
inline std::string read_golden(const std::string& name) {
  std::ifstream in(std::string(LATTICE_CODEC_GOLDEN_DIR) + "/" + name, std::ios::binary);
  if (!in)
    throw std::runtime_error("missing golden file " + name);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace lattice::k8s::test
