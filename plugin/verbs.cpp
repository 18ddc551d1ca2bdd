#include "plugin/verbs.hpp"

#include "k8s/codec/decoders.hpp"
#include "plugin/cluster_reader.hpp"
#include "plugin/render.hpp"
#include "plugin/report_output.hpp"
#include "plugin/yaml_json.hpp"
#include "scheduling/planner.hpp"
#include "snapshot_json/snapshot_json.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace lattice::plugin {
namespace {

struct invocation {
  std::string verb;
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
  bool help = false;
};

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

std::string flag(const invocation& inv, const std::string& name, const std::string& fallback = {}) {
  auto it = inv.flags.find(name);
  return it == inv.flags.end() ? fallback : it->second;
}

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

/// Everything a verb reads, planned once.
struct planned_cluster {
  /// Null when the verb reads a snapshot document (--snapshot) instead.
  std::unique_ptr<cluster_reader> reader;
  std::string group = "breezeml.ai";
  std::string default_namespace = "default";
  cluster_objects objects;
  live_snapshot live;
  operator_settings settings;
  scheduling::time_point now;
  scheduling::plan plan;
};

/// --snapshot FILE: the planner's input from a snapshot document (its
/// config and "now" included) instead of the cluster.
std::variant<planned_cluster, plugin_error> read_snapshot(const invocation& inv) {
  const auto path = flag(inv, "snapshot");
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in)
      return plugin_error{exit_usage, "cannot read " + path};
    text << in.rdbuf();
  }
  auto decoded = snapshot_json::decode_input(text.str());
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

struct context {
  const invocation& inv;
  std::ostream& out;
  bool colours;
  output_format format;
};

int verb_queue(const context& c, planned_cluster& pc) {
  const bool all = c.inv.flags.count("all-namespaces") > 0;
  const auto ns = flag(c.inv, "namespace", pc.default_namespace);
  analysis_scope scope;
  scope.wanted = [&](const scheduling::job_info& j) { return all || j.namespace_ == ns; };
  auto rows = analyse_queue(pc.live.snapshot, pc.plan, pc.settings.config, pc.now, pc.live.ends, scope);
  std::vector<job_row> shown;
  for (auto& r : rows)
    if (all || r.namespace_ == ns)
      shown.push_back(std::move(r));
  if (c.format != output_format::table) {
    boost::json::array jobs;
    for (const auto& r : shown)
      jobs.push_back(row_json(r));
    c.out << serialise(
        boost::json::object{{"plannerSettings", pc.settings.source}, {"jobs", std::move(jobs)}}, c.format);
    return exit_ok;
  }
  c.out << queue_text(shown, all, pc.now, c.colours);
  c.out << "\nPlanner settings: " << pc.settings.source << "\n";
  return exit_ok;
}

std::vector<history_input> conditions_of(const k8s::training_job& job) {
  std::vector<history_input> out;
  for (const auto& cnd : job.status.exec.conditions) {
    history_input h;
    h.source = "condition";
    h.time = cnd.last_transition_time;
    h.what = cnd.type;
    h.type = cnd.status == k8s::condition_status::true_    ? "True"
             : cnd.status == k8s::condition_status::false_ ? "False"
                                                           : "Unknown";
    h.what += "=" + h.type;
    h.message = cnd.reason + (cnd.message.empty() ? "" : ": " + cnd.message);
    out.push_back(std::move(h));
  }
  return out;
}

/// `why` on a snapshot document: the job's row, no history (Events and
/// conditions are not part of the planner's input).
int why_offline(const context& c, planned_cluster& pc, const std::string& ns, const std::string& name,
                std::ostream& err) {
  analysis_scope scope;
  scope.wanted = [&](const scheduling::job_info& j) { return j.namespace_ == ns && j.name == name; };
  for (const auto& r :
       analyse_queue(pc.live.snapshot, pc.plan, pc.settings.config, pc.now, pc.live.ends, scope)) {
    if (r.namespace_ != ns || r.name != name)
      continue;
    if (c.format != output_format::table) {
      auto o = row_json(r).as_object();
      o["plannerSettings"] = pc.settings.source;
      c.out << serialise(o, c.format);
    } else {
      c.out << why_text(r, std::nullopt, pc.now, c.colours) << "Planner settings: " << pc.settings.source
            << "\n";
    }
    return exit_ok;
  }
  err << "error: TrainingJob " << ns << "/" << name << " is not in the snapshot\n";
  return exit_not_found;
}

int verb_why(const context& c, planned_cluster& pc, std::ostream& err) {
  if (c.inv.positional.size() != 1) {
    err << "error: why needs exactly one job name (kubectl lattice why JOB [-n NS])\n";
    return exit_usage;
  }
  const auto ns = flag(c.inv, "namespace", pc.default_namespace);
  const auto& name = c.inv.positional.front();
  if (!pc.reader)
    return why_offline(c, pc, ns, name, err);
  auto job = pc.reader->get_job(ns, name);
  if (auto* e = std::get_if<plugin_error>(&job)) {
    err << "error: " << e->message << "\n";
    return e->code;
  }
  const auto& tj = std::get<k8s::training_job>(job);
  auto events = pc.reader->job_events(tj);
  std::vector<history_input> event_list;
  if (auto* e = std::get_if<plugin_error>(&events)) {
    if (e->code != exit_forbidden) {
      err << "error: " << e->message << "\n";
      return e->code;
    }
    err << "warning: " << e->message << "; the history shows conditions only\n";
  } else {
    event_list = std::move(std::get<0>(events));
  }
  auto history = job_history(conditions_of(tj), std::move(event_list));
  analysis_scope scope;
  scope.wanted = [&](const scheduling::job_info& j) { return j.namespace_ == ns && j.name == name; };
  auto rows = analyse_queue(pc.live.snapshot, pc.plan, pc.settings.config, pc.now, pc.live.ends, scope);
  const std::string key = ns + "/" + name;
  for (const auto& r : rows) {
    if (r.namespace_ != ns || r.name != name)
      continue;
    if (c.format != output_format::table) {
      auto o = row_json(r).as_object();
      o["history"] = history_json(history);
      o["plannerSettings"] = pc.settings.source;
      c.out << serialise(o, c.format);
    } else {
      c.out << why_text(r, history, pc.now, c.colours) << "Planner settings: " << pc.settings.source << "\n";
    }
    return exit_ok;
  }
  // Not in the planner's input: finished, suspended or rejected.
  std::string stage = tj.status.stage.empty() ? "not staged yet" : tj.status.stage;
  std::string why;
  if (auto inv = pc.live.invalid.find(key); inv != pc.live.invalid.end()) {
    stage = "Invalid";
    why = "the operator rejects its spec: " + inv->second;
  } else if (tj.spec.run.suspend) {
    stage = "Suspended";
    why = "runPolicy.suspend is set: it is not queued until it is unset";
  } else {
    why = "it has finished: the planner no longer considers it";
  }
  if (c.format != output_format::table) {
    c.out << serialise(boost::json::object{{"namespace", ns},
                                           {"name", name},
                                           {"stage", stage},
                                           {"reason", why},
                                           {"history", history_json(history)}},
                       c.format);
  } else {
    c.out << "Job:    " << key << "\nStage:  " << stage << "\nReason: " << why << "\n"
          << history_text(history);
  }
  return exit_ok;
}

std::variant<k8s::training_job, plugin_error> read_job_file(const invocation& inv,
                                                            const std::string& default_ns) {
  const auto path = flag(inv, "filename");
  if (path.empty())
    return plugin_error{exit_usage, "simulate needs -f FILE (a TrainingJob manifest, - for stdin)"};
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in)
      return plugin_error{exit_usage, "cannot read " + path};
    text << in.rdbuf();
  }
  auto docs = parse_yaml(text.str());
  if (!docs.error.empty())
    return plugin_error{exit_usage, path + ": " + docs.error};
  for (auto& doc : docs.documents) {
    if (!doc.is_object())
      continue;
    auto* kind = doc.as_object().if_contains("kind");
    if (!kind || !kind->is_string() || kind->as_string() != "TrainingJob")
      continue;
    auto& meta = doc.as_object()["metadata"];
    if (!meta.is_object())
      meta = boost::json::object{};
    if (auto ns = flag(inv, "namespace"); !ns.empty())
      meta.as_object()["namespace"] = ns;
    else if (!meta.as_object().contains("namespace"))
      meta.as_object()["namespace"] = default_ns;
    auto job = k8s::decode_training_job(boost::json::serialize(doc));
    if (!job)
      return plugin_error{exit_usage, path + ": not a valid TrainingJob: " + job.err().to_string()};
    return std::move(job.value());
  }
  return plugin_error{exit_usage, path + ": no document of kind TrainingJob"};
}

int verb_simulate(const context& c, planned_cluster& pc, std::ostream& err) {
  auto job = read_job_file(c.inv, pc.default_namespace);
  if (auto* e = std::get_if<plugin_error>(&job)) {
    err << "error: " << e->message << "\n";
    return e->code;
  }
  auto& tj = std::get<k8s::training_job>(job);
  if (auto p = flag(c.inv, "priority"); !p.empty()) {
    try {
      std::size_t used = 0;
      tj.spec.priority = std::stoi(p, &used);
      if (used != p.size())
        throw std::invalid_argument(p);
    } catch (const std::exception&) {
      err << "error: --priority " << p << ": expected an integer\n";
      return exit_usage;
    }
  }
  auto converted = convert_new_job(tj, pc.group, pc.now);
  if (!converted.info) {
    err << "error: " << converted.error << "\n";
    return exit_usage;
  }
  auto r = simulate(pc.live.snapshot, *converted.info, pc.settings.config, pc.now, pc.live.ends);
  if (c.format != output_format::table) {
    auto o = simulation_json(r).as_object();
    o["plannerSettings"] = pc.settings.source;
    c.out << serialise(o, c.format);
  } else {
    c.out << simulation_text(r, pc.settings.source, c.colours);
  }
  return (!r.admitted && c.inv.flags.count("exit-code")) ? exit_would_wait : exit_ok;
}

int verb_top(const context& c, planned_cluster& pc) {
  auto s = summarise(pc.live.snapshot, pc.settings.config,
                     flag(c.inv, "node-group-label", "lattice.dev/node-group"), pc.live.stages);
  if (c.format != output_format::table)
    c.out << serialise(summary_json(s), c.format);
  else
    c.out << summary_text(s, pc.settings.config.gpu_resource, pc.now);
  return exit_ok;
}

int verb_snapshot(const context& c, planned_cluster& pc) {
  snapshot_json::planner_input input{pc.live.snapshot, pc.settings.config, pc.now};
  const auto doc = snapshot_json::encode_input(input);
  if (c.format == output_format::yaml)
    c.out << to_yaml(boost::json::parse(doc));
  else
    c.out << doc << "\n";
  return exit_ok;
}

} // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, bool terminal) {
  auto parsed = parse(args);
  if (auto* e = std::get_if<plugin_error>(&parsed)) {
    err << "error: " << e->message << "\n";
    return e->code;
  }
  auto& inv = std::get<invocation>(parsed);
  static const std::vector<std::string> verbs = {"queue", "why", "simulate", "top", "snapshot"};
  if (inv.help || inv.verb.empty() || inv.verb == "help") {
    const std::string topic = inv.verb == "help" && !inv.positional.empty() ? inv.positional.front()
                              : inv.verb == "help"                          ? ""
                                                                            : inv.verb;
    // Without a verb it is a usage error: the help goes to stderr.
    const bool usage_error = inv.verb.empty() && !inv.help;
    (usage_error ? err : out) << help(topic);
    return usage_error ? exit_usage : exit_ok;
  }
  if (std::find(verbs.begin(), verbs.end(), inv.verb) == verbs.end()) {
    err << "error: unknown verb " << inv.verb
        << " (queue, why, simulate, top, snapshot; see kubectl lattice --help)\n";
    return exit_usage;
  }
  if (inv.verb != "why" && !inv.positional.empty()) {
    err << "error: unexpected argument " << inv.positional.front() << " (see kubectl lattice " << inv.verb
        << " --help)\n";
    return exit_usage;
  }
  auto format = output_of(inv);
  if (auto* e = std::get_if<plugin_error>(&format)) {
    err << "error: " << e->message << "\n";
    return e->code;
  }
  auto planned = read_and_plan(inv);
  if (auto* e = std::get_if<plugin_error>(&planned)) {
    err << "error: " << e->message << "\n";
    return e->code;
  }
  auto& pc = std::get<planned_cluster>(planned);
  const auto fmt = std::get<output_format>(format);
  const bool colours = terminal && fmt == output_format::table && std::getenv("NO_COLOR") == nullptr;
  context c{inv, out, colours, fmt};
  if (inv.verb == "queue")
    return verb_queue(c, pc);
  if (inv.verb == "why")
    return verb_why(c, pc, err);
  if (inv.verb == "simulate")
    return verb_simulate(c, pc, err);
  if (inv.verb == "top")
    return verb_top(c, pc);
  return verb_snapshot(c, pc);
}

} // namespace lattice::plugin
