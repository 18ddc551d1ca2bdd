#include "plugin/yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <regex>

namespace lattice::plugin {
namespace {

boost::json::value plain_scalar(const std::string& s) {
  static const std::regex integer{R"([-+]?[0-9]+)"};
  static const std::regex floating{R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)"};
  if (s == "true" || s == "True" || s == "TRUE")
    return true;
  if (s == "false" || s == "False" || s == "FALSE")
    return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    return nullptr;
  if (std::regex_match(s, integer)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0)
      return v;
  }
  if (std::regex_match(s, floating))
    return std::strtod(s.c_str(), nullptr);
  return boost::json::string(s);
}

boost::json::value convert(const YAML::Node& n) {
  switch (n.Type()) {
  case YAML::NodeType::Map: {
    boost::json::object o;
    for (const auto& kv : n)
      o[kv.first.as<std::string>()] = convert(kv.second);
    return o;
  }
  case YAML::NodeType::Sequence: {
    boost::json::array a;
    for (const auto& child : n)
      a.push_back(convert(child));
    return a;
  }
  case YAML::NodeType::Scalar:
    // yaml-cpp tags quoted scalars "!" and plain ones "?".
    return n.Tag() == "!" ? boost::json::value(boost::json::string(n.Scalar())) : plain_scalar(n.Scalar());
  default:
    return nullptr;
  }
}

} // namespace

yaml_documents parse_yaml(const std::string& text) {
  yaml_documents out;
  try {
    for (const auto& doc : YAML::LoadAll(text))
      if (doc.IsDefined() && !doc.IsNull())
        out.documents.push_back(convert(doc));
  } catch (const YAML::Exception& e) {
    out.documents.clear();
    out.error = e.what();
  }
  return out;
}

} // namespace lattice::plugin
