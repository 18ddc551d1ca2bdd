#include "scheduling/scaling.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace lattice::scheduling {

double scaling_model::rate(int workers, int nodes) const {
  if (workers <= 0)
    return 0;
  double per_sample = compute / workers + (workers > 1 ? intra : 0) + (nodes > 1 ? inter : 0);
  return per_sample > 0 ? 1.0 / per_sample : 0;
}

namespace {

struct point {
  int workers;
  int nodes;
  double seconds_per_sample;
};

/// Solves the 3x3 (or smaller) normal equations of the columns in `use`;
/// false when singular.
bool solve(const std::array<std::array<double, 3>, 3>& ata, const std::array<double, 3>& atb,
           const std::array<bool, 3>& use, std::array<double, 3>& x) {
  std::array<int, 3> idx{};
  int n = 0;
  for (int i = 0; i < 3; ++i)
    if (use[static_cast<std::size_t>(i)])
      idx[static_cast<std::size_t>(n++)] = i;
  double m[3][4] = {};
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c)
      m[r][c] = ata[static_cast<std::size_t>(idx[static_cast<std::size_t>(r)])]
                   [static_cast<std::size_t>(idx[static_cast<std::size_t>(c)])];
    m[r][n] = atb[static_cast<std::size_t>(idx[static_cast<std::size_t>(r)])];
  }
  for (int c = 0; c < n; ++c) {
    int pivot = c;
    for (int r = c + 1; r < n; ++r)
      if (std::abs(m[r][c]) > std::abs(m[pivot][c]))
        pivot = r;
    if (std::abs(m[pivot][c]) < 1e-12)
      return false;
    for (int k = 0; k <= n; ++k)
      std::swap(m[c][k], m[pivot][k]);
    for (int r = 0; r < n; ++r) {
      if (r == c)
        continue;
      double f = m[r][c] / m[c][c];
      for (int k = c; k <= n; ++k)
        m[r][k] -= f * m[c][k];
    }
  }
  x = {0, 0, 0};
  for (int r = 0; r < n; ++r)
    x[static_cast<std::size_t>(idx[static_cast<std::size_t>(r)])] = m[r][n] / m[r][r];
  return true;
}

} // namespace

std::optional<scaling_model> fit_scaling(const std::vector<throughput_sample>& reports, time_point now,
                                         milliseconds max_age) {
  // The newest usable report per (workers, nodes), in a canonical order.
  std::vector<const throughput_sample*> newest;
  for (const auto& r : reports) {
    if (r.workers < 1 || r.nodes < 1 || r.nodes > r.workers || !(r.samples_per_second > 0)
        || !std::isfinite(r.samples_per_second) || now - r.measured_at > max_age)
      continue;
    auto same = std::find_if(newest.begin(), newest.end(), [&](const throughput_sample* o) {
      return o->workers == r.workers && o->nodes == r.nodes;
    });
    if (same == newest.end())
      newest.push_back(&r);
    else if (r.measured_at > (*same)->measured_at
             || (r.measured_at == (*same)->measured_at && r.samples_per_second < (*same)->samples_per_second))
      *same = &r;
  }
  if (newest.empty())
    return std::nullopt;
  std::vector<point> pts;
  pts.reserve(newest.size());
  for (const auto* r : newest)
    pts.push_back({r->workers, r->nodes, 1.0 / r->samples_per_second});
  std::sort(pts.begin(), pts.end(), [](const point& a, const point& b) {
    return a.workers != b.workers ? a.workers < b.workers : a.nodes < b.nodes;
  });
  // Relative least squares: each row divided by its observation.
  std::array<std::array<double, 3>, 3> ata{};
  std::array<double, 3> atb{};
  for (const auto& p : pts) {
    std::array<double, 3> row = {1.0 / p.workers, p.workers > 1 ? 1.0 : 0.0, p.nodes > 1 ? 1.0 : 0.0};
    for (auto& v : row)
      v /= p.seconds_per_sample;
    for (std::size_t i = 0; i < 3; ++i) {
      for (std::size_t j = 0; j < 3; ++j)
        ata[i][j] += row[i] * row[j];
      atb[i] += row[i]; // the target, divided by itself
    }
  }
  // Non-negative least squares by trying every subset of terms (three terms:
  // eight subsets); the compute term is always present. Among feasible
  // fits, the smallest residual; ties to fewer terms.
  double best_error = std::numeric_limits<double>::max();
  std::optional<scaling_model> best;
  for (int mask = 1; mask < 8; mask += 2) {
    std::array<bool, 3> use = {true, (mask & 2) != 0, (mask & 4) != 0};
    std::array<double, 3> x{};
    if (!solve(ata, atb, use, x) || x[0] <= 0 || x[1] < 0 || x[2] < 0)
      continue;
    double error = 0;
    for (const auto& p : pts) {
      double predicted = x[0] / p.workers + (p.workers > 1 ? x[1] : 0) + (p.nodes > 1 ? x[2] : 0);
      double rel = predicted / p.seconds_per_sample - 1;
      error += rel * rel;
    }
    if (error < best_error * (1 - 1e-9)) {
      best_error = error;
      best = scaling_model{x[0], x[1], x[2]};
    }
  }
  if (!best) {
    // No feasible subset (cannot happen with the compute term alone unless
    // the data are degenerate): linear through the mean per-worker rate.
    double sum = 0;
    for (const auto& p : pts)
      sum += p.seconds_per_sample * p.workers;
    best = scaling_model{sum / static_cast<double>(pts.size()), 0, 0};
  }
  return best;
}

} // namespace lattice::scheduling
