#include "sim/options.hpp"

#include "snapshot_json/snapshot_json.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lattice::sim {

namespace {

bool to_number(const std::string& text, double lo, double hi, double& out) {
  try {
    std::size_t used = 0;
    out = std::stod(text, &used);
    return used == text.size() && out >= lo && out <= hi;
  } catch (...) {
    return false;
  }
}

/// The traces directory next to a workload: ../traces from workloads/x.csv.
std::string default_data_dir(const std::string& workload) {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("LATTICE_SIM_DATA"))
    return env;
  return (fs::path(workload).parent_path().parent_path() / "traces").string();
}

} // namespace

std::string options_help() {
  return R"(usage: lattice-sim [run] --workload FILE [options]
       lattice-sim plan --snapshot FILE|- [--now TIME] [--output json|text]
       lattice-sim plan --stream [--now TIME]

Replays a workload through the operator's planner and reports job completion
times (docs/simulator.md). Workloads: a Pollux trace CSV (name,time,application,
num_replicas,batch_size) or the simple format (name,submit,priority,min,max,
gpus,work,serial[,node_penalty][,cpu]).

  --workload FILE        the workload (required)
  --data DIR             Pollux traces directory (default: ../traces next to
                         the workload's directory, or $LATTICE_SIM_DATA)
  --policy NAME          planner (default) or tiresias; repeat to compare
  --config FILE          planner settings: a JSON object with the fields of a
                         snapshot's "config" (docs/reference/snapshot-format.md)
  --set JSON             planner settings inline, e.g. '{"rescaleIntervalSeconds": 300}'
  --nodes N              nodes (16)          --gpus-per-node G   GPUs per node (4)
  --nodes-per-rack R     label nodes with a rack, R per rack (0: no racks)
  --cpu-per-node M       cpu millicores per node (0: cpu not modelled)
  --interval S           seconds between plans (60)
  --restart-penalty S    seconds a (re)started job makes no progress (30)
  --min-size N           Pollux jobs' minSize (1)
  --max-factor F         Pollux jobs' maxSize = F x the tuned GPU count (1)
  --fixed                Pollux jobs rigid: minSize = maxSize = tuned count
  --throughput           agents report measured throughput to the planner
  --no-attained          leave attained service out of the snapshots
  --json FILE            write each run's figures and per-job results (JSON lines)
  --timeline             include cluster figures per interval in the JSON
  --snapshots DIR        write every planner input as a snapshot document
)";
}

bool is_pollux_workload(const std::string& path) {
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  return header.rfind("name,time,application", 0) == 0;
}

parse_outcome parse_options(const std::vector<std::string>& args, sim_options& o, std::string& error) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string v;
    auto value = [&] {
      if (i + 1 >= args.size()) {
        error = a + " needs a value";
        return false;
      }
      v = args[++i];
      return true;
    };
    auto number = [&](double lo, double hi, double& out) {
      if (!value())
        return false;
      if (!to_number(v, lo, hi, out)) {
        error = a + ": expected a number between " + std::to_string(lo) + " and " + std::to_string(hi);
        return false;
      }
      return true;
    };
    double x = 0;
    if (a == "--help" || a == "-h")
      return parse_outcome::help;
    if (a == "--workload") {
      if (!value())
        return parse_outcome::error;
      o.workload = v;
    } else if (a == "--data") {
      if (!value())
        return parse_outcome::error;
      o.data_dir = v;
    } else if (a == "--policy") {
      if (!value())
        return parse_outcome::error;
      o.policies.push_back(v);
    } else if (a == "--config" || a == "--set") {
      if (!value())
        return parse_outcome::error;
      std::string text = v;
      if (a == "--config") {
        std::ifstream f(v);
        if (!f) {
          error = "cannot read " + v;
          return parse_outcome::error;
        }
        std::ostringstream all;
        all << f.rdbuf();
        text = all.str();
      }
      if (auto err = snapshot_json::decode_config(text, o.config)) {
        error = a + ": " + *err;
        return parse_outcome::error;
      }
    } else if (a == "--nodes") {
      if (!number(1, 100'000, x))
        return parse_outcome::error;
      o.cluster.nodes = static_cast<int>(x);
    } else if (a == "--gpus-per-node") {
      if (!number(1, 64, x))
        return parse_outcome::error;
      o.cluster.gpus_per_node = static_cast<int64_t>(x);
    } else if (a == "--cpu-per-node") {
      if (!number(0, 1e9, x))
        return parse_outcome::error;
      o.cluster.cpu_per_node = static_cast<int64_t>(x);
    } else if (a == "--nodes-per-rack") {
      if (!number(0, 100'000, x))
        return parse_outcome::error;
      o.cluster.nodes_per_rack = static_cast<int>(x);
    } else if (a == "--interval") {
      if (!number(1, 86'400, o.run.interval))
        return parse_outcome::error;
    } else if (a == "--restart-penalty") {
      if (!number(0, 86'400, o.run.restart_penalty))
        return parse_outcome::error;
    } else if (a == "--min-size") {
      if (!number(1, 100'000, x))
        return parse_outcome::error;
      o.sizing.min_size = static_cast<int32_t>(x);
    } else if (a == "--max-factor") {
      if (!number(1, 100, o.sizing.max_factor))
        return parse_outcome::error;
    } else if (a == "--fixed") {
      o.sizing.fixed = true;
    } else if (a == "--throughput") {
      o.report_throughput = true;
    } else if (a == "--no-attained") {
      o.report_attained = false;
    } else if (a == "--json") {
      if (!value())
        return parse_outcome::error;
      o.json_path = v;
    } else if (a == "--timeline") {
      o.run.record_timeline = true;
    } else if (a == "--snapshots") {
      if (!value())
        return parse_outcome::error;
      o.snapshot_dir = v;
    } else {
      error = "unexpected argument \"" + a + "\"";
      return parse_outcome::error;
    }
  }
  if (o.workload.empty()) {
    error = "--workload is required";
    return parse_outcome::error;
  }
  if (o.data_dir.empty())
    o.data_dir = default_data_dir(o.workload);
  if (o.policies.empty())
    o.policies.emplace_back("planner");
  for (const auto& p : o.policies)
    if (p != "planner" && p != "tiresias") {
      error = "--policy: unknown policy \"" + p + "\" (planner or tiresias)";
      return parse_outcome::error;
    }
  return parse_outcome::run;
}

} // namespace lattice::sim
