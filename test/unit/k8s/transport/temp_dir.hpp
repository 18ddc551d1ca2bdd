#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace lattice::k8s::test {

/// A fresh directory under $TMPDIR, removed with its contents at scope end.
class temp_dir {
public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lattice-k8s-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& content) const {
    const auto full = path_ + "/" + name;
    std::ofstream(full, std::ios::binary | std::ios::trunc) << content;
    return full;
  }

private:
  std::string path_;
};

} // namespace lattice::k8s::test
