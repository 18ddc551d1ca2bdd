#pragma once

#include "config/loader.hpp"

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

namespace lattice::config::testing {

/// An environment made of a map, so tests never touch the process's own.
inline env_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  };
}

/// A temporary file with the given contents, removed when it goes out of scope.
class temp_file {
public:
  explicit temp_file(const std::string& contents) {
    char name[] = "/tmp/lattice-config-test-XXXXXX";
    int fd = mkstemp(name);
    close(fd);
    path_ = name;
    std::ofstream(path_) << contents;
  }
  ~temp_file() { std::remove(path_.c_str()); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

inline load_outcome load(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  return load_config(args, fake_env(std::move(env)));
}

} // namespace lattice::config::testing
