#include "config/loader.hpp"

#include "config/option_table.hpp"
#include "config/validation.hpp"
#include "config/yaml_file.hpp"

#include <cstdlib>
#include <map>
#include <sstream>
#include <unistd.h>

namespace lattice::config {

namespace {

struct flag_value {
  const option_spec* spec;
  std::string value;
};

std::string describe_env(const option_spec& spec) {
  std::string out;
  for (const auto& name : spec.env_vars)
    out += (out.empty() ? "" : " or ") + name;
  return out;
}

std::string invalid(const std::string& where, const option_spec& spec, const std::string& value) {
  return "invalid value \"" + value + "\" for " + where + ": expected " + spec.accepted;
}

// Splits the command line into options; --config, --help and --version are
// handled here because they are not settings.
struct parsed_args {
  std::vector<flag_value> values;
  std::optional<std::string> config_file;
  bool help = false;
  bool version = false;
  std::string error;
};

parsed_args parse_args(const std::vector<std::string>& args) {
  parsed_args out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg == "--version") {
      out.version = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      out.error = "unexpected argument \"" + arg + "\": options start with -- (see --help)";
      return out;
    }
    auto eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::optional<std::string> inline_value;
    if (eq != std::string::npos)
      inline_value = arg.substr(eq + 1);
    const option_spec* spec = find_flag(name);
    if (name != "config" && spec == nullptr) {
      out.error = "unknown option --" + name + " (see --help)";
      return out;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (spec != nullptr && spec->is_bool) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      out.error =
          "option --" + name + " needs a value: " + (spec ? spec->accepted : std::string("a file path"));
      return out;
    }
    if (name == "config")
      out.config_file = value;
    else
      out.values.push_back({spec, value});
  }
  return out;
}

} // namespace

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr)
      return std::nullopt;
    return std::string(value);
  };
}

load_outcome load_config(const std::vector<std::string>& args, const env_lookup& env) {
  load_outcome out;
  parsed_args parsed = parse_args(args);
  if (!parsed.error.empty()) {
    out.error = parsed.error;
    return out;
  }
  if (parsed.help) {
    out.action = load_action::help;
    return out;
  }
  if (parsed.version) {
    out.action = load_action::version;
    return out;
  }

  operator_config& cfg = out.config;
  if (auto file = parsed.config_file ? parsed.config_file : env("LATTICE_CONFIG")) {
    cfg.config_file = *file;
    auto entries = read_yaml_settings(*file);
    if (!entries.error.empty()) {
      out.error = entries.error;
      return out;
    }
    for (const auto& [key, value] : entries.settings) {
      const option_spec* spec = find_file_key(key);
      if (spec == nullptr) {
        out.error =
            "unknown key \"" + key + "\" in config file " + *file + " (keys are the flags in camelCase)";
        return out;
      }
      if (!spec->apply(cfg, value)) {
        out.error = invalid(key + " in " + *file + " (flag --" + spec->flag + ")", *spec, value);
        return out;
      }
    }
  }

  for (const auto& spec : option_table()) {
    for (const auto& name : spec.env_vars) {
      auto value = env(name);
      if (!value)
        continue;
      if (!spec.apply(cfg, *value)) {
        out.error = invalid("environment variable " + name + " (flag --" + spec.flag + ")", spec, *value);
        return out;
      }
      break;
    }
  }

  for (const auto& [spec, value] : parsed.values) {
    if (!spec->apply(cfg, value)) {
      out.error = invalid("--" + spec->flag, *spec, value);
      return out;
    }
  }

  if (auto license = env("LATTICE_LICENSE"))
    cfg.license = *license;
  if (cfg.identity.empty()) {
    char host[256] = {};
    cfg.identity = gethostname(host, sizeof(host) - 1) == 0 ? host : "lattice-operator";
  }
  if (cfg.leader_election.lease_namespace.empty())
    cfg.leader_election.lease_namespace = env("POD_NAMESPACE").value_or("default");

  if (auto problem = validate(cfg)) {
    out.error = *problem;
    return out;
  }
  out.action = load_action::run;
  return out;
}

std::string help_text(const std::string& program) {
  std::ostringstream out;
  out << "Usage: " << program << " [OPTIONS]\n\n"
      << "Runs elastic distributed training jobs (TrainingJob resources) on a Kubernetes cluster.\n\n"
      << "Every option can also be set by the environment variable shown, or as the camelCase key in\n"
      << "the YAML file given by --config (precedence: flag > environment > file > default).\n"
      << "The license key is read from LATTICE_LICENSE only.\n\n"
      << "Options:\n"
      << "  --config PATH\n      YAML configuration file [env: LATTICE_CONFIG]\n";
  operator_config defaults;
  for (const auto& spec : option_table()) {
    out << "  --" << spec.flag;
    if (!spec.is_bool)
      out << " " << spec.value_name;
    out << "\n      " << spec.help << "\n      [default: " << spec.show(defaults)
        << "] [env: " << describe_env(spec) << "] [file key: " << spec.file_key << "]\n";
  }
  out << "  --help, -h\n      print this help and exit\n"
      << "  --version\n      print the version and exit\n\n"
      << "Subcommands:\n"
      << "  install-agent DIR\n      copy the Lattice agent wheel (from LATTICE_WHEEL_DIR, default\n"
      << "      /opt/lattice/wheels) to DIR/lattice_agent.whl; the injection init container runs this\n"
      << "  plan --snapshot FILE [--now TIME] | plan --stream\n      print the plan the planner makes for a "
         "snapshot document (docs/reference/snapshot-format.md);\n      `plan --help` lists its options\n"
      << "  chart-test --readyz-url URL --api-group GROUP\n      the chart's `helm test` hook: checks the "
         "operator's "
         "readiness endpoint and that the CRD is served\n\n"
      << "Exit codes: 0 success, 1 runtime failure, 2 invalid configuration.\n";
  return out.str();
}

} // namespace lattice::config
