#include "plugin/invocation.hpp"

#include "scheduling/planner.hpp"
#include "snapshot_json/snapshot_json.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

namespace lattice::plugin {
namespace {

/// Flags that take a value, with their short forms.
const std::map<std::string, std::string> value_flags = {{"-n", "namespace"},
                                                        {"--namespace", "namespace"},
                                                        {"-o", "output"},
                                                        {"--output", "output"},
                                                        {"--kubeconfig", "kubeconfig"},
                                                        {"--context", "context"},
                                                        {"--group", "group"},
                                                        {"--node-group-label", "node-group-label"},
                                                        {"-f", "filename"},
                                                        {"--filename", "filename"},
                                                        {"--priority", "priority"},
                                                        {"--operator-flags", "operator-flags"},
                                                        {"--snapshot", "snapshot"}};
const std::map<std::string, std::string> bool_flags = {
    {"-A", "all-namespaces"}, {"--all-namespaces", "all-namespaces"}, {"--exit-code", "exit-code"}};

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

/// --snapshot FILE: the planner's input from a snapshot document (its
/// config and "now" included) instead of the cluster.
std::variant<planned_cluster, plugin_error> read_snapshot(const invocation& inv) {
  const auto path = flag(inv, "snapshot");
  auto text = read_input(path);
  if (auto* err = std::get_if<plugin_error>(&text))
    return *err;
  auto decoded = snapshot_json::decode_input(std::get<std::string>(text));
  if (!decoded.input)
    return plugin_error{exit_usage, path + ": " + decoded.error};
  planned_cluster pc;
  if (auto g = flag(inv, "group"); !g.empty())
    pc.group = g;
  if (auto ns = flag(inv, "namespace"); !ns.empty())
    pc.default_namespace = ns;
  pc.live.snapshot = std::move(decoded.input->snapshot);
  for (const auto& j : pc.live.snapshot.jobs)
    ++pc.live.stages[j.stage == scheduling::job_stage::running ? "Running" : "Waiting"];
  pc.settings = {decoded.input->config, "the snapshot document " + path};
  pc.now = decoded.input->now.value_or(std::chrono::system_clock::now());
  pc.plan = scheduling::make_plan(pc.live.snapshot, pc.settings.config, pc.now);
  return pc;
}

} // namespace

std::variant<std::string, plugin_error> read_input(const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in)
      return plugin_error{exit_usage, "cannot read " + path};
    text << in.rdbuf();
  }
  return text.str();
}

std::variant<invocation, plugin_error> parse(const std::vector<std::string>& args) {
  invocation inv;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-h" || a == "--help") {
      inv.help = true;
      continue;
    }
    std::string value;
    bool has_value = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    if (auto it = value_flags.find(a); it != value_flags.end()) {
      if (!has_value) {
        if (i + 1 >= args.size())
          return plugin_error{exit_usage, "flag " + a + " needs a value"};
        value = args[++i];
      }
      inv.flags[it->second] = value;
    } else if (auto b = bool_flags.find(a); b != bool_flags.end() && !has_value) {
      inv.flags[b->second] = "true";
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      return plugin_error{exit_usage,
                          "unknown flag " + args[i] + " (see kubectl lattice " + inv.verb + " --help)"};
    } else if (inv.verb.empty()) {
      inv.verb = a;
    } else {
      inv.positional.push_back(a);
    }
  }
  return inv;
}

std::string flag(const invocation& inv, const std::string& name, const std::string& fallback) {
  auto it = inv.flags.find(name);
  return it == inv.flags.end() ? fallback : it->second;
}

std::variant<planned_cluster, plugin_error> read_and_plan(const invocation& inv) {
  if (inv.flags.count("snapshot"))
    return read_snapshot(inv);
  planned_cluster pc;
  auto opened = cluster_reader::open({flag(inv, "kubeconfig"), flag(inv, "context"), flag(inv, "group")});
  if (auto* e = std::get_if<plugin_error>(&opened))
    return *e;
  pc.reader = std::move(std::get<0>(opened));
  pc.group = pc.reader->group();
  pc.default_namespace = pc.reader->default_namespace();
  auto objects = pc.reader->read_all();
  if (auto* e = std::get_if<plugin_error>(&objects))
    return *e;
  pc.objects = std::move(std::get<0>(objects));
  pc.live = build_live_snapshot(pc.objects, pc.group);
  if (inv.flags.count("operator-flags")) {
    auto parsed = settings_from_flags(split_words(flag(inv, "operator-flags")));
    if (!parsed.config)
      return plugin_error{exit_usage, "--operator-flags: " + parsed.error};
    pc.settings.config = *parsed.config;
    pc.settings.source = "--operator-flags";
  } else {
    pc.settings = pc.reader->operator_planner_settings();
  }
  pc.now = std::chrono::system_clock::now();
  pc.plan = scheduling::make_plan(pc.live.snapshot, pc.settings.config, pc.now);
  return pc;
}

std::variant<output_format, plugin_error> output_of(const invocation& inv) {
  const auto o = flag(inv, "output", "table");
  if (o == "table" || o == "wide")
    return output_format::table;
  if (o == "json")
    return output_format::json;
  if (o == "yaml")
    return output_format::yaml;
  return plugin_error{exit_usage, "--output " + o + ": expected table, json or yaml"};
}

} // namespace lattice::plugin
