#include "config/yaml_file.hpp"

#include <yaml-cpp/yaml.h>

namespace lattice::config {

yaml_settings read_yaml_settings(const std::string& path) {
  yaml_settings out;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    out.error = "cannot read config file " + path;
    return out;
  } catch (const YAML::Exception& e) {
    out.error = "config file " + path + " is not valid YAML: " + e.what();
    return out;
  }
  if (root.IsNull())
    return out; // an empty file sets nothing
  if (!root.IsMap()) {
    out.error = "config file " + path + " must be a mapping of option keys to values";
    return out;
  }
  for (const auto& entry : root) {
    auto key = entry.first.as<std::string>();
    if (!entry.second.IsScalar()) {
      out.error = "config file " + path;
      out.error += ": key \"" + key + "\" must have a single value";
      return out;
    }
    out.settings.emplace_back(key, entry.second.Scalar());
  }
  return out;
}

} // namespace lattice::config
