#include "sim/workload.hpp"

#include "sim/csv.hpp"

#include <algorithm>
#include <cmath>

namespace lattice::sim {

namespace {

bool require(const csv_table& t, const std::string& path, std::initializer_list<const char*> columns,
             std::string& error) {
  if (!t.error().empty()) {
    error = t.error();
    return false;
  }
  for (const char* c : columns)
    if (!t.has(c)) {
      error = path + ": missing column \"" + c + "\"";
      return false;
    }
  return true;
}

std::string where(const std::string& path, std::size_t row, const char* column) {
  return path + " line " + std::to_string(row + 2) + ", column " + column + ": ";
}

} // namespace

std::optional<std::vector<job_spec>> read_pollux_workload(const std::string& path,
                                                          const pollux_sizing& sizing, std::string& error) {
  auto t = csv_table::read(path);
  if (!require(t, path, {"name", "time", "application", "num_replicas", "batch_size"}, error))
    return std::nullopt;
  std::vector<job_spec> jobs;
  for (std::size_t r = 0; r < t.size(); ++r) {
    job_spec j;
    j.name = t.cell(r, "name");
    j.application = t.cell(r, "application");
    auto time = t.number(r, "time");
    auto replicas = t.number(r, "num_replicas");
    auto batch = t.number(r, "batch_size");
    if (!time || *time < 0) {
      error = where(path, r, "time") + "expected seconds >= 0";
      return std::nullopt;
    }
    if (!replicas || *replicas < 1 || !batch || *batch < 1) {
      error = where(path, r, "num_replicas") + "expected positive num_replicas and batch_size";
      return std::nullopt;
    }
    j.submit = *time;
    j.tuned_size = static_cast<int>(*replicas);
    j.batch = static_cast<int>(*batch);
    if (sizing.fixed) {
      j.min_size = j.max_size = j.tuned_size;
    } else {
      j.max_size = std::max(1, static_cast<int32_t>(std::lround(j.tuned_size * sizing.max_factor)));
      j.min_size = std::min(sizing.min_size, j.max_size);
    }
    jobs.push_back(std::move(j));
  }
  return jobs;
}

std::optional<std::vector<job_spec>> read_simple_workload(const std::string& path, std::string& error) {
  auto t = csv_table::read(path);
  if (!require(t, path, {"name", "submit", "priority", "min", "max", "gpus", "work", "serial"}, error))
    return std::nullopt;
  std::vector<job_spec> jobs;
  for (std::size_t r = 0; r < t.size(); ++r) {
    job_spec j;
    j.name = t.cell(r, "name");
    if (j.name.empty()) {
      error = where(path, r, "name") + "empty";
      return std::nullopt;
    }
    struct number_field {
      const char* column;
      double lo, hi;
      bool required;
    };
    double values[9] = {};
    const number_field fields[] = {
        {"submit", 0, 1e9, true}, {"priority", -1e9, 1e9, true},    {"min", 1, 1e5, true},
        {"max", 1, 1e5, true},    {"gpus", 0, 1e3, true},           {"work", 1e-3, 1e12, true},
        {"serial", 0, 1, true},   {"node_penalty", 0, 0.99, false}, {"cpu", 0, 1e9, false}};
    for (std::size_t k = 0; k < 9; ++k) {
      const auto& f = fields[k];
      auto v = t.number(r, f.column);
      if (!v && !f.required && t.cell(r, f.column).empty())
        continue;
      if (!v || *v < f.lo || *v > f.hi) {
        error = where(path, r, f.column) + "expected a number between " + std::to_string(f.lo) + " and "
                + std::to_string(f.hi);
        return std::nullopt;
      }
      values[k] = *v;
    }
    j.submit = values[0];
    j.priority = static_cast<int32_t>(values[1]);
    j.min_size = static_cast<int32_t>(values[2]);
    j.max_size = static_cast<int32_t>(values[3]);
    j.gpus = static_cast<int64_t>(values[4]);
    j.work = values[5];
    j.serial = values[6];
    j.node_penalty = values[7];
    j.cpu_millis = static_cast<int64_t>(values[8]);
    if (j.max_size < j.min_size) {
      error = where(path, r, "max") + "below min";
      return std::nullopt;
    }
    if (j.gpus == 0 && j.cpu_millis == 0) {
      error = where(path, r, "gpus") + "a worker needs GPUs or cpu";
      return std::nullopt;
    }
    jobs.push_back(std::move(j));
  }
  return jobs;
}

} // namespace lattice::sim
