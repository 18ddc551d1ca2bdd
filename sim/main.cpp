// lattice-sim: replays a workload through the operator's planner (or a
// reference policy) and reports job completion times (docs/simulator.md).
#include "sim/engine.hpp"
#include "sim/options.hpp"
#include "sim/planner_policy.hpp"
#include "sim/pollux_app.hpp"
#include "sim/report.hpp"
#include "sim/tiresias_policy.hpp"
#include "snapshot_json/plan_command.hpp"
#include "snapshot_json/snapshot_json.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

namespace {

using namespace lattice;
using namespace lattice::sim;

/// Epochs per application and the per-GPU batch limit where the traces do
/// not give it (the settings the Pollux artifact's jobs ran with).
const std::map<std::string, app_settings>& pollux_settings() {
  static const std::map<std::string, app_settings> table = {
      {"bert", {2, 0}},      {"cifar10", {100, 0}},    {"ncf", {10, 0}},
      {"imagenet", {90, 0}}, {"deepspeech2", {80, 0}}, {"yolov3", {50, 8}},
  };
  return table;
}

int run(const sim_options& o) {
  std::string error;
  std::vector<job_spec> jobs;
  bool pollux = is_pollux_workload(o.workload);
  if (pollux) {
    auto read = read_pollux_workload(o.workload, o.sizing, error);
    if (!read) {
      std::cerr << "lattice-sim: " << error << "\n";
      return 1;
    }
    jobs = std::move(*read);
  } else {
    auto read = read_simple_workload(o.workload, error);
    if (!read) {
      std::cerr << "lattice-sim: " << error << "\n";
      return 1;
    }
    jobs = std::move(*read);
  }
  std::map<std::string, pollux_app> apps;
  if (pollux) {
    for (const auto& j : jobs) {
      if (apps.count(j.application))
        continue;
      auto settings = pollux_settings().find(j.application);
      auto app =
          pollux_app::load(o.data_dir + "/" + j.application,
                           settings == pollux_settings().end() ? app_settings{} : settings->second, error);
      if (!app) {
        std::cerr << "lattice-sim: application " << j.application << ": " << error
                  << " (--data names the traces directory)\n";
        return 1;
      }
      apps.emplace(j.application, std::move(*app));
    }
  }
  std::vector<summary> rows;
  std::ofstream json_out;
  if (!o.json_path.empty()) {
    json_out.open(o.json_path);
    if (!json_out) {
      std::cerr << "lattice-sim: cannot write " << o.json_path << "\n";
      return 1;
    }
  }
  for (const auto& name : o.policies) {
    std::vector<std::unique_ptr<job_model>> models;
    for (const auto& j : jobs)
      if (pollux)
        models.push_back(std::make_unique<pollux_job>(apps.at(j.application), j.batch));
      else
        models.push_back(std::make_unique<simple_job>(j.work, j.serial, j.node_penalty));
    std::unique_ptr<policy> p;
    if (name == "tiresias") {
      p = std::make_unique<tiresias_policy>();
    } else {
      planner_policy::options opts;
      opts.config = o.config;
      opts.attained_service = o.report_attained;
      opts.throughput = o.report_throughput;
      if (!o.snapshot_dir.empty()) {
        std::filesystem::create_directories(o.snapshot_dir);
        opts.on_snapshot = [dir = o.snapshot_dir, cfg = o.config, n = 0](const scheduling::snapshot& s,
                                                                         scheduling::time_point now) mutable {
          snapshot_json::planner_input in{s, cfg, now};
          char file[64];
          std::snprintf(file, sizeof file, "/snapshot-%05d.json", n++);
          std::ofstream(dir + file) << snapshot_json::encode_input(in) << "\n";
        };
      }
      p = std::make_unique<planner_policy>(name, std::move(opts));
    }
    auto result = simulate(o.cluster, jobs, std::move(models), *p, o.run);
    auto s = summarize(result);
    rows.push_back(s);
    if (json_out)
      json_out << to_json(result, s) << "\n";
    for (std::size_t k = 0; k < result.violations.size() && k < 5; ++k)
      std::cerr << "lattice-sim: " << name << ": violation at " << result.violations[k].time
                << " s: " << result.violations[k].what << "\n";
  }
  std::cout << to_table(rows);
  for (const auto& s : rows)
    if (s.violations > 0 || s.completed < s.jobs)
      return 3;
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "plan")
    return snapshot_json::run_plan_command({args.begin() + 1, args.end()}, std::cin, std::cout, std::cerr,
                                           "lattice-sim");
  if (!args.empty() && args[0] == "run")
    args.erase(args.begin());
  sim_options o;
  std::string error;
  auto parsed = parse_options(args, o, error);
  if (parsed == parse_outcome::help) {
    std::cout << options_help();
    return 0;
  }
  if (parsed == parse_outcome::error) {
    std::cerr << "lattice-sim: " << error << "\n" << options_help();
    return 2;
  }
  return run(o);
}
