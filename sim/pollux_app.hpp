#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lattice::sim {

/// How long one training step takes, in seconds; `sync` is the gradient
/// synchronisation part of `step` (the part accumulation steps skip).
struct step_timing {
  double step = 0;
  double sync = 0;
};

/// Gradient statistics of one epoch: the squared gradient norm and the
/// gradient variance, which give the statistical efficiency of a batch size.
struct grad_stats {
  double sqr = 0;
  double var = 0;
};

/// What the measurements do not say: the epochs a job of this application
/// trains for and the largest per-GPU batch that fits in memory (0: the
/// largest measured).
struct app_settings {
  int epochs = 0;
  int max_local_batch = 0;
};

/// One application's measurements from the Pollux traces: step times per
/// GPU placement and per-GPU batch size, and the validation curves (progress
/// and gradient statistics per epoch at several total batch sizes).
class pollux_app {
public:
  /// Loads `<dir>/placements.csv`, `scalability.csv` and `validation-*.csv`.
  static std::optional<pollux_app> load(const std::string& dir, const app_settings& settings,
                                        std::string& error);

  const std::string& name() const { return name_; }
  int epochs() const { return epochs_; }
  /// The smallest and largest validated total batch size.
  int init_batch() const { return init_batch_; }
  int max_batch() const { return max_batch_; }
  int min_local_batch() const { return min_local_; }
  int max_local_batch() const { return max_local_; }

  /// Step time at `local_batch` per GPU on `placement` (GPUs per node, in
  /// ring order). Measured placements interpolate over the batch size;
  /// others over (nodes, GPUs, batch size) between the measured points and
  /// the large-scale measurements.
  step_timing step_time(const std::vector<int>& placement, double local_batch) const;

  /// Gradient statistics during `epoch` at total batch size `batch`,
  /// interpolated between the validated batch sizes around it.
  grad_stats grads(double batch, int epoch) const;

  /// Cumulative progress at the end of `epoch` (0 for epoch 0); progress is
  /// counted in steps at the smallest batch size, each step at a larger
  /// batch counting for its statistical gain.
  double progress_at(int epoch) const;

private:
  struct curve {
    int batch = 0;
    std::vector<double> progress, grad_sqr, grad_var;
  };
  /// Step and sync time per batch size, sorted by batch size.
  using series = std::vector<std::pair<double, step_timing>>;

  static step_timing along(const series& s, double batch);
  step_timing grid(int nodes, int gpus, double batch) const;

  std::string name_;
  int epochs_ = 0;
  int init_batch_ = 0, max_batch_ = 0, min_local_ = 0, max_local_ = 0;
  /// Measured placements ("1", "22", "132"...) in smallest rotation.
  std::map<std::string, series> placements_;
  /// (nodes, GPUs) -> series: placement means plus the scalability runs.
  std::map<int, std::map<int, series>> grid_;
  std::vector<curve> curves_;
  std::vector<double> progress_at_;
};

/// The ring-order placement in its smallest rotation, as digits ("1 3 2" ->
/// "132"); empty when a node holds more than 9 GPUs.
std::string placement_key(const std::vector<int>& placement);

} // namespace lattice::sim
