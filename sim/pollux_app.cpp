#include "sim/pollux_app.hpp"

#include "sim/csv.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

namespace lattice::sim {

namespace {

/// Linear interpolation of y between (x0, y0) and (x1, y1) at x.
double lerp(double x0, double y0, double x1, double y1, double x) {
  if (x1 == x0)
    return y0;
  return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

step_timing lerp(double x0, const step_timing& a, double x1, const step_timing& b, double x) {
  return {lerp(x0, a.step, x1, b.step, x), lerp(x0, a.sync, x1, b.sync, x)};
}

/// The keys of `m` around `x` (clamped to the ends).
template <class Map>
std::pair<typename Map::const_iterator, typename Map::const_iterator> bracket(const Map& m, int x) {
  auto hi = m.lower_bound(x);
  if (hi == m.end())
    return {std::prev(hi), std::prev(hi)};
  if (hi->first == x || hi == m.begin())
    return {hi, hi};
  return {std::prev(hi), hi};
}

} // namespace

std::string placement_key(const std::vector<int>& placement) {
  std::vector<int> p;
  for (int g : placement)
    if (g > 0) {
      if (g > 9)
        return {};
      p.push_back(g);
    }
  std::string best;
  for (std::size_t r = 0; r < p.size(); ++r) {
    std::string s;
    for (std::size_t i = 0; i < p.size(); ++i)
      s += static_cast<char>('0' + p[(r + i) % p.size()]);
    if (best.empty() || s < best)
      best = s;
  }
  return best;
}

std::optional<pollux_app> pollux_app::load(const std::string& dir, const app_settings& settings,
                                           std::string& error) {
  namespace fs = std::filesystem;
  pollux_app app;
  app.name_ = fs::path(dir).filename().string();
  auto placements = csv_table::read(dir + "/placements.csv");
  auto scalability = csv_table::read(dir + "/scalability.csv");
  for (const auto* t : {&placements, &scalability})
    if (!t->error().empty()) {
      error = t->error();
      return std::nullopt;
    }
  // Measured placements, and their means per (nodes, GPUs, batch) for the grid.
  std::map<std::tuple<int, int, double>, std::pair<step_timing, int>> sums;
  int min_local = std::numeric_limits<int>::max(), max_local = 0;
  for (std::size_t r = 0; r < placements.size(); ++r) {
    auto batch = placements.number(r, "local_bsz");
    auto step = placements.number(r, "step_time");
    auto sync = placements.number(r, "sync_time");
    const std::string& key_text = placements.cell(r, "placement");
    if (!batch || !step || !sync || key_text.empty()) {
      error = dir + "/placements.csv row " + std::to_string(r + 2) + ": missing or bad value";
      return std::nullopt;
    }
    std::vector<int> p;
    for (char c : key_text)
      p.push_back(c - '0');
    std::string key = placement_key(p);
    app.placements_[key].push_back({*batch, {*step, *sync}});
    int gpus = 0;
    for (int g : p)
      gpus += g;
    auto& [sum, n] = sums[{static_cast<int>(p.size()), gpus, *batch}];
    sum.step += *step;
    sum.sync += *sync;
    ++n;
    min_local = std::min(min_local, static_cast<int>(*batch));
    max_local = std::max(max_local, static_cast<int>(*batch));
  }
  for (auto& [key, s] : app.placements_)
    std::sort(s.begin(), s.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (const auto& [k, v] : sums) {
    auto [nodes, gpus, batch] = k;
    app.grid_[nodes][gpus].push_back({batch, {v.first.step / v.second, v.first.sync / v.second}});
  }
  for (std::size_t r = 0; r < scalability.size(); ++r) {
    auto nodes = scalability.number(r, "num_nodes");
    auto gpus = scalability.number(r, "num_replicas");
    auto batch = scalability.number(r, "local_bsz");
    auto step = scalability.number(r, "step_time");
    auto sync = scalability.number(r, "sync_time");
    if (!nodes || !gpus || !batch || !step || !sync) {
      error = dir + "/scalability.csv row " + std::to_string(r + 2) + ": missing or bad value";
      return std::nullopt;
    }
    app.grid_[static_cast<int>(*nodes)][static_cast<int>(*gpus)].push_back({*batch, {*step, *sync}});
  }
  for (auto& [nodes, by_gpus] : app.grid_)
    for (auto& [gpus, s] : by_gpus)
      std::sort(s.begin(), s.end(), [](auto& a, auto& b) { return a.first < b.first; });

  for (const auto& entry : fs::directory_iterator(dir)) {
    auto file = entry.path().filename().string();
    if (file.rfind("validation-", 0) != 0 || entry.path().extension() != ".csv")
      continue;
    curve c;
    c.batch = std::atoi(file.substr(11).c_str());
    auto t = csv_table::read(entry.path().string());
    for (std::size_t r = 0; r < t.size(); ++r) {
      auto progress = t.number(r, "progress");
      auto sqr = t.number(r, "grad_sqr");
      auto var = t.number(r, "grad_var");
      if (!progress || !sqr || !var) {
        error = entry.path().string() + " row " + std::to_string(r + 2) + ": missing or bad value";
        return std::nullopt;
      }
      c.progress.push_back(*progress);
      c.grad_sqr.push_back(*sqr);
      c.grad_var.push_back(*var);
    }
    if (c.batch <= 0 || c.progress.empty()) {
      error = entry.path().string() + ": no batch size in the name or no rows";
      return std::nullopt;
    }
    app.curves_.push_back(std::move(c));
  }
  if (app.curves_.empty() || app.placements_.empty()) {
    error = dir + ": no validation curves or no placements";
    return std::nullopt;
  }
  std::sort(app.curves_.begin(), app.curves_.end(), [](auto& a, auto& b) { return a.batch < b.batch; });
  std::size_t rows = std::numeric_limits<std::size_t>::max();
  for (const auto& c : app.curves_)
    rows = std::min(rows, c.progress.size());
  app.epochs_ =
      settings.epochs > 0 ? std::min<int>(settings.epochs, static_cast<int>(rows)) : static_cast<int>(rows);
  app.init_batch_ = app.curves_.front().batch;
  app.max_batch_ = app.curves_.back().batch;
  app.min_local_ = min_local;
  app.max_local_ = settings.max_local_batch > 0 ? settings.max_local_batch : max_local;
  // An epoch ends when the slowest-progressing curve reaches it, so no batch
  // size finishes an epoch before it has seen the epoch's data.
  app.progress_at_.assign(static_cast<std::size_t>(app.epochs_) + 1, 0.0);
  for (int e = 1; e <= app.epochs_; ++e) {
    double p = std::numeric_limits<double>::max();
    for (const auto& c : app.curves_)
      p = std::min(p, c.progress[static_cast<std::size_t>(e - 1)]);
    app.progress_at_[static_cast<std::size_t>(e)] = p;
  }
  return app;
}

step_timing pollux_app::along(const series& s, double batch) {
  if (batch <= s.front().first)
    return s.front().second;
  if (batch >= s.back().first)
    return s.back().second;
  auto hi = std::lower_bound(s.begin(), s.end(), batch, [](auto& e, double b) { return e.first < b; });
  auto lo = std::prev(hi);
  return lerp(lo->first, lo->second, hi->first, hi->second, batch);
}

step_timing pollux_app::grid(int nodes, int gpus, double batch) const {
  auto at_nodes = [&](const std::map<int, series>& by_gpus) {
    auto [lo, hi] = bracket(by_gpus, gpus);
    return lerp(lo->first, along(lo->second, batch), hi->first, along(hi->second, batch), gpus);
  };
  auto [lo, hi] = bracket(grid_, nodes);
  return lerp(lo->first, at_nodes(lo->second), hi->first, at_nodes(hi->second), nodes);
}

step_timing pollux_app::step_time(const std::vector<int>& placement, double local_batch) const {
  std::string key = placement_key(placement);
  if (auto it = placements_.find(key); it != placements_.end())
    return along(it->second, local_batch);
  int nodes = 0, gpus = 0;
  for (int g : placement)
    if (g > 0) {
      ++nodes;
      gpus += g;
    }
  return grid(nodes, gpus, local_batch);
}

grad_stats pollux_app::grads(double batch, int epoch) const {
  auto e = static_cast<std::size_t>(std::clamp(epoch, 0, epochs_ - 1));
  auto at = [&](const curve& c) { return grad_stats{c.grad_sqr[e], c.grad_var[e]}; };
  if (batch <= curves_.front().batch)
    return at(curves_.front());
  if (batch >= curves_.back().batch)
    return at(curves_.back());
  auto hi =
      std::lower_bound(curves_.begin(), curves_.end(), batch, [](auto& c, double b) { return c.batch < b; });
  auto lo = std::prev(hi);
  auto a = at(*lo), b = at(*hi);
  return {lerp(lo->batch, a.sqr, hi->batch, b.sqr, batch), lerp(lo->batch, a.var, hi->batch, b.var, batch)};
}

double pollux_app::progress_at(int epoch) const {
  return progress_at_[static_cast<std::size_t>(std::clamp(epoch, 0, epochs_))];
}

} // namespace lattice::sim
