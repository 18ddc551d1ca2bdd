#include "plugin/verbs.hpp"

#include "k8s/codec/decoders.hpp"
#include "plugin/cluster_reader.hpp"
#include "plugin/invocation.hpp"
#include "plugin/render.hpp"
#include "plugin/report_output.hpp"
#include "plugin/yaml_json.hpp"
#include "scheduling/planner.hpp"
#include "snapshot_json/snapshot_json.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace lattice::plugin {
namespace {

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
    c.out << serialise(boost::json::object{{"apiGroup", pc.group},
                                           {"plannerSettings", pc.settings.source},
                                           {"jobs", std::move(jobs)}},
                       c.format);
    return exit_ok;
  }
  if (shown.empty()) // says which group it read: jobs of another group are not the answer
    c.out << "No TrainingJobs of API group " << pc.group << " wait or run"
          << (all ? std::string() : " in namespace " + ns) << " (another group: --group).\n";
  else
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
      o["apiGroup"] = pc.group;
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
      o["apiGroup"] = pc.group;
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

std::variant<k8s::training_job, plugin_error>
read_job_file(const invocation& inv, const std::string& default_ns, const std::string& group) {
  const auto path = flag(inv, "filename");
  if (path.empty())
    return plugin_error{exit_usage, "simulate needs -f FILE (a TrainingJob manifest, - for stdin)"};
  auto text = read_input(path);
  if (auto* err = std::get_if<plugin_error>(&text))
    return *err;
  auto docs = parse_yaml(std::get<std::string>(text));
  if (!docs.error.empty())
    return plugin_error{exit_usage, path + ": " + docs.error};
  for (auto& doc : docs.documents) {
    if (!doc.is_object())
      continue;
    auto* kind = doc.as_object().if_contains("kind");
    if (!kind || !kind->is_string() || kind->as_string() != "TrainingJob")
      continue;
    // A manifest of another API group is a job of another operator's queue
    // (a chart installed with another `group`): answering for this group's
    // queue would be answering another question.
    if (auto* version = doc.as_object().if_contains("apiVersion"); version && version->is_string()) {
      const std::string api_version(version->as_string());
      const auto file_group = api_version.substr(0, api_version.find('/'));
      if (file_group != group) {
        std::string message = path;
        message.append(": apiVersion ").append(api_version);
        message.append(" is not of the API group this reads (").append(group);
        message.append("); for that group's queue pass --group ").append(file_group);
        return plugin_error{exit_usage, std::move(message)};
      }
    }
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
  auto job = read_job_file(c.inv, pc.default_namespace, pc.group);
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
    o["apiGroup"] = pc.group;
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
  if (c.format != output_format::table) {
    auto o = summary_json(s).as_object();
    o["apiGroup"] = pc.group;
    c.out << serialise(o, c.format);
  } else {
    c.out << summary_text(s, pc.settings.config.gpu_resource, pc.now);
  }
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
