#include "app/install_agent.hpp"

#include <filesystem>
#include <iostream>
#include <system_error>
#include <vector>

namespace lattice::app {

namespace fs = std::filesystem;

namespace {

// "lattice_agent-0.10.2-py3-none-any.whl" -> {0, 10, 2}: compared
// numerically so 0.10 sorts after 0.9.
std::vector<long> wheel_version(const std::string& file_name) {
  std::vector<long> parts;
  auto start = file_name.find('-');
  auto end = file_name.find('-', start + 1);
  if (start == std::string::npos || end == std::string::npos)
    return parts;
  std::string version = file_name.substr(start + 1, end - start - 1);
  std::size_t pos = 0;
  while (pos < version.size()) {
    auto dot = version.find('.', pos);
    auto piece = version.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    char* rest = nullptr;
    parts.push_back(std::strtol(piece.c_str(), &rest, 10));
    if (dot == std::string::npos)
      break;
    pos = dot + 1;
  }
  return parts;
}

} // namespace

int install_agent(const std::string& target_dir, const std::string& wheel_dir) {
  std::error_code ec;
  fs::path best;
  for (fs::directory_iterator it(wheel_dir, ec), end; !ec && it != end; it.increment(ec)) {
    auto name = it->path().filename().string();
    if (name.rfind("lattice_agent-", 0) != 0 || it->path().extension() != ".whl")
      continue;
    if (best.empty() || wheel_version(name) > wheel_version(best.filename().string()))
      best = it->path();
  }
  if (best.empty()) {
    std::cerr << "lattice-operator install-agent: no lattice_agent-*.whl in " << wheel_dir << "\n";
    return 1;
  }
  fs::path target = fs::path(target_dir) / "lattice_agent.whl";
  fs::path temp = fs::path(target_dir) / ".lattice_agent.whl.tmp";
  fs::copy_file(best, temp, fs::copy_options::overwrite_existing, ec);
  if (!ec)
    fs::rename(temp, target, ec);
  if (ec) {
    std::cerr << "lattice-operator install-agent: cannot write " << target.string() << ": " << ec.message()
              << "\n";
    return 1;
  }
  std::cout << "installed " << best.filename().string() << " as " << target.string() << "\n";
  return 0;
}

} // namespace lattice::app
