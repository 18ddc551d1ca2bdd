#include "sim/job_model.hpp"

#include <algorithm>
#include <cmath>

namespace lattice::sim {

namespace {

int gpu_count(const std::vector<int>& placement) {
  int n = 0;
  for (int g : placement)
    n += std::max(g, 0);
  return n;
}

int node_count(const std::vector<int>& placement) {
  return static_cast<int>(std::count_if(placement.begin(), placement.end(), [](int g) { return g > 0; }));
}

int ceil_div(int64_t a, int64_t b) {
  return static_cast<int>((a + b - 1) / b);
}

} // namespace

pollux_job::pollux_job(const pollux_app& app, int batch) : app_(app), batch_(batch) {}

pollux_job::split pollux_job::split_for(int gpus) const {
  split s;
  s.gpus = gpus;
  int local = ceil_div(batch_, gpus);
  s.accumulation = ceil_div(local, app_.max_local_batch()) - 1;
  // One GPU above the smallest batch still accumulates at least once: the
  // gradient statistics need two micro-batches to be estimated.
  if (gpus == 1 && batch_ > app_.init_batch())
    s.accumulation = std::max(1, s.accumulation);
  s.micro = ceil_div(local, s.accumulation + 1);
  s.micro = std::min(s.micro, app_.max_batch() / (gpus * (s.accumulation + 1)));
  return s;
}

double pollux_job::step_seconds(const std::vector<int>& placement, const split& s) const {
  auto t = app_.step_time(placement, s.micro);
  return t.step + (t.step - t.sync) * s.accumulation;
}

double pollux_job::rate(const std::vector<int>& placement) const {
  split s = split_for(gpu_count(placement));
  double batch = s.batch();
  double scale = batch / app_.init_batch();
  auto g = app_.grads(batch, epoch_);
  double gain = (g.var + g.sqr) / (g.var / scale + g.sqr);
  return gain / step_seconds(placement, s);
}

std::optional<double> pollux_job::run(const std::vector<int>& placement, double seconds) {
  if (gpu_count(placement) == 0)
    return std::nullopt;
  double used = 0;
  while (epoch_ < app_.epochs()) {
    double r = rate(placement);
    double left = app_.progress_at(epoch_ + 1) - progress_;
    if (left > r * (seconds - used)) {
      progress_ += r * (seconds - used);
      return std::nullopt;
    }
    used += left / r;
    progress_ = app_.progress_at(epoch_ + 1);
    ++epoch_;
  }
  return used;
}

double pollux_job::samples_per_second(const std::vector<int>& placement) const {
  int gpus = gpu_count(placement);
  if (gpus == 0)
    return 0;
  split s = split_for(gpus);
  return s.batch() / step_seconds(placement, s);
}

double pollux_job::done() const {
  return progress_ / app_.progress_at(app_.epochs());
}

simple_job::simple_job(double work, double serial, double node_penalty, double sample_rate)
    : work_(work), serial_(serial), node_penalty_(node_penalty), sample_rate_(sample_rate) {}

double simple_job::speedup(const std::vector<int>& placement) const {
  int n = gpu_count(placement);
  if (n == 0)
    return 0;
  double s = n / (1.0 + serial_ * (n - 1));
  return node_count(placement) > 1 ? s * (1.0 - node_penalty_) : s;
}

std::optional<double> simple_job::run(const std::vector<int>& placement, double seconds) {
  double s = speedup(placement);
  if (s <= 0)
    return std::nullopt;
  if (done_ + s * seconds < work_) {
    done_ += s * seconds;
    return std::nullopt;
  }
  double used = (work_ - done_) / s;
  done_ = work_;
  return used;
}

double simple_job::samples_per_second(const std::vector<int>& placement) const {
  return speedup(placement) * sample_rate_;
}

} // namespace lattice::sim
