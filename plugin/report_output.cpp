#include "plugin/report_output.hpp"

#include "plugin/render.hpp"
#include "scheduling/time.hpp"

namespace lattice::plugin {
namespace {

boost::json::array strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v)
    a.emplace_back(s);
  return a;
}

boost::json::value estimate_json(const start_estimate& e) {
  boost::json::object o;
  o["at"] = e.at ? boost::json::value(scheduling::format_time(*e.at)) : boost::json::value(nullptr);
  o["basis"] = e.basis;
  return o;
}

/// JSON text with one member or element per line, two-space indent.
void pretty(const boost::json::value& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  const std::string close(static_cast<std::size_t>(indent), ' ');
  if (v.is_object() && !v.as_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [k, child] : v.as_object()) {
      out += (first ? "" : ",\n") + pad + boost::json::serialize(boost::json::value(k)) + ": ";
      pretty(child, indent + 2, out);
      first = false;
    }
    out += "\n" + close + "}";
  } else if (v.is_array() && !v.as_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& child : v.as_array()) {
      out += (first ? "" : ",\n") + pad;
      pretty(child, indent + 2, out);
      first = false;
    }
    out += "\n" + close + "]";
  } else {
    out += boost::json::serialize(v);
  }
}

std::string sizes(const job_row& r) {
  return std::to_string(r.min_size) + "/" + std::to_string(r.max_size) + "/" + std::to_string(r.current_size);
}

} // namespace

boost::json::value row_json(const job_row& r) {
  boost::json::object o;
  o["position"] = r.position;
  o["waitingPosition"] = r.waiting_position;
  o["namespace"] = r.namespace_;
  o["name"] = r.name;
  o["priority"] = r.priority;
  o["queuedTime"] = scheduling::format_time(r.queued_time);
  o["minSize"] = r.min_size;
  o["maxSize"] = r.max_size;
  o["currentSize"] = r.current_size;
  o["stage"] = r.stage;
  o["plannedStage"] = r.planned_stage;
  o["plannedSize"] = r.planned_size;
  o["gpusHeld"] = r.gpus_held;
  o["gpusWanted"] = r.gpus_wanted;
  o["reason"] = r.reason;
  o["toChange"] = strings(r.to_change);
  o["estimatedStart"] = estimate_json(r.estimate);
  o["invalid"] = r.invalid;
  return o;
}

boost::json::value simulation_json(const simulation_result& r) {
  boost::json::object o;
  o["job"] = r.key;
  o["admitted"] = r.admitted;
  o["size"] = r.size;
  boost::json::array workers;
  for (const auto& w : r.workers)
    workers.push_back(boost::json::object{{"index", w.index}, {"node", w.node}});
  o["workers"] = std::move(workers);
  boost::json::array affected;
  for (const auto& a : r.affected)
    affected.push_back(boost::json::object{{"job", a.key},
                                           {"priority", a.priority},
                                           {"sizeBefore", a.size_before},
                                           {"sizeAfter", a.size_after},
                                           {"preempted", a.preempted}});
  o["affected"] = std::move(affected);
  o["queuePosition"] = r.queue_position;
  o["waitingPosition"] = r.waiting_position;
  o["reason"] = r.reason;
  o["toChange"] = strings(r.to_change);
  o["estimatedStart"] = estimate_json(r.estimate);
  o["replacesExisting"] = r.replaced_existing;
  return o;
}

boost::json::value summary_json(const cluster_summary& s) {
  boost::json::object o;
  boost::json::array groups;
  for (const auto& g : s.groups)
    groups.push_back(boost::json::object{{"group", g.group},
                                         {"nodes", g.nodes},
                                         {"usableNodes", g.usable_nodes},
                                         {"allocatable", g.allocatable},
                                         {"allocated", g.allocated},
                                         {"idle", g.idle}});
  o["nodeGroups"] = std::move(groups);
  boost::json::object stages;
  for (const auto& [stage, count] : s.jobs_per_stage)
    stages[stage] = count;
  o["jobsPerStage"] = std::move(stages);
  o["queueLength"] = s.queue_length;
  o["oldestWaiting"] =
      s.oldest_waiting.empty() ? boost::json::value(nullptr) : boost::json::value(s.oldest_waiting);
  o["oldestQueuedTime"] = s.oldest_queued_time
                              ? boost::json::value(scheduling::format_time(*s.oldest_queued_time))
                              : boost::json::value(nullptr);
  return o;
}

boost::json::value history_json(const std::vector<history_input>& h) {
  boost::json::array a;
  for (const auto& e : h)
    a.push_back(boost::json::object{{"time", e.time},
                                    {"source", e.source},
                                    {"type", e.type},
                                    {"reason", e.what},
                                    {"message", e.message},
                                    {"count", e.count}});
  return a;
}

std::string serialise(const boost::json::value& v, output_format format) {
  if (format == output_format::yaml)
    return to_yaml(v);
  std::string out;
  pretty(v, 0, out);
  return out + "\n";
}

std::string estimate_text(const start_estimate& e, const std::string& planned_stage) {
  if (planned_stage == "Running")
    return "now";
  return e.at ? scheduling::format_time(*e.at) : "unknown";
}

std::string queue_text(const std::vector<job_row>& rows, bool all_namespaces, scheduling::time_point now,
                       bool colours) {
  if (rows.empty())
    return "No TrainingJobs wait or run.\n";
  table t;
  t.header = {"pos"};
  if (all_namespaces)
    t.header.emplace_back("namespace");
  for (const char* h :
       {"name", "prio", "queued", "min/max/cur", "gpus held/wanted", "stage", "plan", "estimate", "reason"})
    t.header.emplace_back(h);
  const std::size_t stage_col = t.header.size() - 4, plan_col = stage_col + 1;
  for (const auto& r : rows) {
    std::vector<std::string> row{std::to_string(r.position)};
    if (all_namespaces)
      row.push_back(r.namespace_);
    row.insert(row.end(),
               {r.name, std::to_string(r.priority), format_age(r.queued_time, now), sizes(r),
                std::to_string(r.gpus_held) + "/" + std::to_string(r.gpus_wanted), r.stage,
                r.planned_stage + " " + std::to_string(r.planned_size),
                estimate_text(r.estimate, r.planned_stage), r.invalid ? "invalid: " + r.reason : r.reason});
    t.rows.push_back(std::move(row));
  }
  std::string out = format_table(t, [&](std::size_t col, const std::string& cell) {
    if (col == stage_col || col == plan_col)
      return paint(cell, stage_colour(cell.substr(0, cell.find(' '))), colours);
    return cell;
  });
  bool header = false;
  for (const auto& r : rows) {
    if (r.to_change.empty())
      continue;
    if (!header)
      out += "\nWhat would have to change:\n";
    header = true;
    out += "  " + (all_namespaces ? r.namespace_ + "/" : std::string{}) + r.name + ":\n";
    for (const auto& line : r.to_change)
      out += "    - " + line + "\n";
  }
  return out;
}

std::string why_text(const job_row& r, const std::optional<std::vector<history_input>>& history,
                     scheduling::time_point now, bool colours) {
  std::string out;
  out += "Job:            " + r.namespace_ + "/" + r.name + "\n";
  out += "Stage:          " + paint(r.stage, stage_colour(r.stage), colours) + " ("
         + std::to_string(r.current_size)
         + " workers); the planner now: " + paint(r.planned_stage, stage_colour(r.planned_stage), colours)
         + " " + std::to_string(r.planned_size) + "\n";
  out +=
      "Queue position: " + std::to_string(r.position)
      + (r.waiting_position > 0 ? " (" + std::to_string(r.waiting_position) + " among the waiting jobs)" : "")
      + "\n";
  out += "Priority:       " + std::to_string(r.priority) + "\n";
  out += "Queued:         " + scheduling::format_time(r.queued_time) + " (" + format_age(r.queued_time, now)
         + " ago)\n";
  out += "Size:           min " + std::to_string(r.min_size) + ", max " + std::to_string(r.max_size)
         + ", current " + std::to_string(r.current_size) + "\n";
  out += "GPUs:           " + std::to_string(r.gpus_held) + " held, " + std::to_string(r.gpus_wanted)
         + " wanted\n";
  out += "Reason:         " + r.reason + "\n";
  out += "Estimated start: " + estimate_text(r.estimate, r.planned_stage)
         + (r.planned_stage == "Running" ? "" : " (" + r.estimate.basis + ")") + "\n";
  if (!r.to_change.empty()) {
    out += "What would have to change:\n";
    for (const auto& line : r.to_change)
      out += "  - " + line + "\n";
  }
  if (history)
    out += history_text(*history);
  return out;
}

std::string history_text(const std::vector<history_input>& history) {
  if (history.empty())
    return "History:        none recorded (Events expire after an hour by default)\n";
  table t;
  t.header = {"time", "source", "reason", "message"};
  for (const auto& h : history)
    t.rows.push_back(
        {h.time, h.source, h.what + (h.count > 1 ? " (x" + std::to_string(h.count) + ")" : ""), h.message});
  std::string out = "History:\n";
  std::string body = format_table(t);
  std::size_t start = 0;
  while (start < body.size()) {
    auto end = body.find('\n', start);
    out += "  " + body.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

std::string simulation_text(const simulation_result& r, const std::string& config_source, bool colours) {
  std::string out;
  out +=
      "Job:      " + r.key + (r.replaced_existing ? " (replaces the existing job of that name)" : "") + "\n";
  if (r.admitted) {
    out += "Decision: " + paint("admitted now", colour::green, colours) + " with " + std::to_string(r.size)
           + " workers\n";
    std::map<std::string, int> per_node;
    for (const auto& w : r.workers)
      ++per_node[w.node];
    out += "Nodes:    ";
    bool first = true;
    for (const auto& [node, count] : per_node) {
      out += (first ? "" : ", ") + node + " (" + std::to_string(count) + ")";
      first = false;
    }
    out += "\n";
  } else {
    out += "Decision: " + paint("waits", colour::yellow, colours) + " at queue position "
           + std::to_string(r.queue_position) + " (" + std::to_string(r.waiting_position)
           + (r.waiting_position == 1   ? "st"
              : r.waiting_position == 2 ? "nd"
              : r.waiting_position == 3 ? "rd"
                                        : "th")
           + " of the jobs that wait)\n";
    out += "Estimated start: "
           + (r.estimate.at ? scheduling::format_time(*r.estimate.at) : std::string("unknown")) + " ("
           + r.estimate.basis + ")\n";
  }
  out += "Reason:   " + r.reason + "\n";
  if (r.affected.empty()) {
    out += "Affects:  no running job\n";
  } else {
    out += "Affects:\n";
    for (const auto& a : r.affected)
      out +=
          "  - " + a.key + " (priority " + std::to_string(a.priority) + "): "
          + (a.preempted ? "preempted, " + std::to_string(a.size_before) + " -> Waiting"
                         : "shrunk " + std::to_string(a.size_before) + " -> " + std::to_string(a.size_after))
          + "\n";
  }
  if (!r.to_change.empty()) {
    out += "What would have to change:\n";
    for (const auto& line : r.to_change)
      out += "  - " + line + "\n";
  }
  out += "Planner settings: " + config_source + "\n";
  return out;
}

std::string summary_text(const cluster_summary& s, const std::string& gpu_resource,
                         scheduling::time_point now) {
  table nodes;
  nodes.header = {"node group", "nodes", "usable", "allocatable", "allocated", "idle"};
  for (const auto& g : s.groups)
    nodes.rows.push_back({g.group, std::to_string(g.nodes), std::to_string(g.usable_nodes),
                          std::to_string(g.allocatable), std::to_string(g.allocated),
                          std::to_string(g.idle)});
  std::string out = gpu_resource + " per node group:\n" + format_table(nodes);
  table jobs;
  jobs.header = {"stage", "jobs"};
  for (const auto& [stage, count] : s.jobs_per_stage)
    jobs.rows.push_back({stage, std::to_string(count)});
  out += "\nTrainingJobs per stage:\n" + format_table(jobs);
  out += "\nQueue: " + std::to_string(s.queue_length) + " waiting";
  if (s.oldest_queued_time)
    out += "; oldest " + s.oldest_waiting + ", waiting " + format_age(*s.oldest_queued_time, now);
  return out + "\n";
}

} // namespace lattice::plugin
