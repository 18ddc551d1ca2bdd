#pragma once

#include "sim/pollux_app.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace lattice::sim {

/// How fast a training job progresses on a placement: the simulator's view
/// of the job (the planner never sees it, only what an agent would report).
class job_model {
public:
  virtual ~job_model() = default;
  /// Trains for up to `seconds` on `placement` (workers per node, ring order);
  /// returns the seconds used when the job finishes within them.
  virtual std::optional<double> run(const std::vector<int>& placement, double seconds) = 0;
  /// Samples per second on `placement` at the job's current point in
  /// training: what its agent would measure and report.
  virtual double samples_per_second(const std::vector<int>& placement) const = 0;
  /// Share of the work done, 0..1.
  virtual double done() const = 0;
};

/// A job of one of the Pollux applications at a fixed total batch size
/// (the trace's tuned one): each step processes `batch` samples split over
/// the GPUs (with gradient accumulation where a GPU's share exceeds its
/// memory) and advances training by its statistical gain; the job ends
/// after the application's number of epochs.
class pollux_job final : public job_model {
public:
  pollux_job(const pollux_app& app, int batch);
  std::optional<double> run(const std::vector<int>& placement, double seconds) override;
  double samples_per_second(const std::vector<int>& placement) const override;
  double done() const override;

private:
  /// Per-GPU micro-batch and accumulation steps on `gpus` GPUs.
  struct split {
    int micro = 0;
    int accumulation = 0;
    int gpus = 0;
    double batch() const { return static_cast<double>(micro) * (accumulation + 1) * gpus; }
  };
  split split_for(int gpus) const;
  /// Seconds per step on `placement` with `s`.
  double step_seconds(const std::vector<int>& placement, const split& s) const;
  /// Progress per second at the current epoch.
  double rate(const std::vector<int>& placement) const;

  const pollux_app& app_;
  int batch_;
  int epoch_ = 0;
  double progress_ = 0;
};

/// A job of the simple trace format: `work` seconds on one worker, speedup
/// n / (1 + serial (n - 1)) on n workers, `node_penalty` slower when the
/// workers span more than one node; `sample_rate` samples/s on one worker.
class simple_job final : public job_model {
public:
  simple_job(double work, double serial, double node_penalty, double sample_rate = 100.0);
  std::optional<double> run(const std::vector<int>& placement, double seconds) override;
  double samples_per_second(const std::vector<int>& placement) const override;
  double done() const override { return done_ / work_; }

private:
  double speedup(const std::vector<int>& placement) const;

  double work_, serial_, node_penalty_, sample_rate_;
  double done_ = 0;
};

} // namespace lattice::sim
