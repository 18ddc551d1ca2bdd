// The autoscaler's growth-policy options: one row per planner_config knob
// (docs/design/planner.md, "Growth policy"). Defaults come from
// planner_config, so --help always shows what the planner uses.
#include "config/field_setters.hpp"
#include "config/option_table.hpp"

#include <cmath>
#include <sstream>

namespace lattice::config {

namespace {

using namespace setters;
using std::chrono::hours;
using std::chrono::seconds;

#define LATTICE_POLICY(type, member)                                                                         \
  field_ref<type>([](operator_config& c) -> type& { return c.autoscaler.policy.member; })

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ','))
    out.push_back(item);
  return out;
}

option_spec flag(const char* name, const char* help, const field_ref<bool>& field) {
  return make_option(name, "", help, "true or false", boolean(field), show_boolean(field), true);
}

option_spec number(const char* name, const char* help, double max, const field_ref<double>& field) {
  return make_option(name, "NUMBER", help, "a number from 0 to " + std::to_string(static_cast<int>(max)),
                     real(field, -1e-12, max), show_real(field));
}

// A DURATION option from `min` seconds up to `max` hours.
option_spec span(const char* name, const char* help, seconds min, hours max,
                 const field_ref<milliseconds>& field) {
  return make_option(name, "DURATION", help,
                     "a duration from " + std::to_string(min.count()) + "s to " + std::to_string(max.count())
                         + "h",
                     duration(field, min, max), show_duration(field));
}

} // namespace

void add_policy_options(std::vector<option_spec>& t) {
  t.push_back(make_option(
      "growth-policy", "POLICY",
      "who grows above minSize within a priority: leastAttained (least attained GPU-time first, in service "
      "classes), fair (equal GPUs; with throughput reports, where a GPU speeds a job up most) or queue "
      "(FIFO)",
      "one of leastAttained, fair, queue",
      [](operator_config& c, const std::string& v) {
        auto& g = c.autoscaler.policy.growth;
        if (v == "leastAttained")
          g = scheduling::growth_order::least_attained;
        else if (v == "fair")
          g = scheduling::growth_order::fair;
        else if (v == "queue")
          g = scheduling::growth_order::queue;
        else
          return false;
        return true;
      },
      [](operator_config& c) -> std::string {
        switch (c.autoscaler.policy.growth) {
        case scheduling::growth_order::least_attained:
          return "leastAttained";
        case scheduling::growth_order::fair:
          return "fair";
        case scheduling::growth_order::queue:
          return "queue";
        }
        return "";
      }));
  t.push_back(make_option(
      "service-class-gpu-hours", "LIST",
      "upper bounds of the least-attained-service classes but the last, in GPU-hours of attained service",
      "comma-separated increasing positive numbers",
      [](operator_config& c, const std::string& v) {
        std::vector<double> bounds;
        for (const auto& item : split_list(v)) {
          std::istringstream in(item);
          double h = 0;
          in >> h;
          if (in.fail() || !in.eof() || !std::isfinite(h) || h <= 0
              || (!bounds.empty() && h * 3600 <= bounds.back()))
            return false;
          bounds.push_back(h * 3600);
        }
        c.autoscaler.policy.service_classes = std::move(bounds);
        return true;
      },
      [](operator_config& c) {
        std::string out;
        for (double s : c.autoscaler.policy.service_classes) {
          std::ostringstream h;
          h << s / 3600;
          out += (out.empty() ? "" : ",") + h.str();
        }
        return out;
      }));
  t.push_back(make_option("growth-rounds", "N",
                          "with leastAttained, growth targets are given in rounds: each job in order up to "
                          "maxSize/2^N, then maxSize/2^(N-1), ..., then maxSize (0: in one round)",
                          "an integer from 0 to 16", integer(LATTICE_POLICY(int, growth_rounds), 0, 16),
                          show_integer(LATTICE_POLICY(int, growth_rounds))));
  t.push_back(flag("fair-within-class",
                   "with leastAttained, jobs of one service class share fairly instead of first come first",
                   LATTICE_POLICY(bool, fair_within_class)));
  t.push_back(flag("rebalance",
                   "a job may grow by borrowing workers above minSize from jobs later in the growth order",
                   LATTICE_POLICY(bool, rebalance)));
  t.push_back(flag("lend-to-restarting-only", "only jobs restarting anyway (admitted or resized now) borrow",
                   LATTICE_POLICY(bool, lend_to_restarting_only)));
  t.push_back(flag("lend-in-bulk", "a lender gives all its workers above its target at once",
                   LATTICE_POLICY(bool, lend_in_bulk)));
  t.push_back(span("restart-cost",
                   "what one checkpoint-restart costs a job (the gain rule; preemption takes the fewest jobs "
                   "among those started this close together)",
                   seconds(0), hours(1), LATTICE_POLICY(milliseconds, restart_cost)));
  t.push_back(
      number("resize-payback",
             "a resize must save a job this many times its restart cost over its expected remaining time",
             1000, LATTICE_POLICY(double, resize_payback)));
  t.push_back(number("min-resize-ratio", "and grow it by at least this factor (0: any)", 100,
                     LATTICE_POLICY(double, min_resize_ratio)));
  t.push_back(number("lend-hysteresis", "a job lends only when it holds more than (1 + this) x its target",
                     100, LATTICE_POLICY(double, lend_hysteresis)));
  t.push_back(
      number("rescale-age-fraction",
             "resize budget: besides admission and preemption, a job is resized at most once per this "
             "share of its age (at least --rescale-interval, at most --max-rescale-hold)",
             10, LATTICE_POLICY(double, rescale_age_fraction)));
  t.push_back(span("max-rescale-hold", "the longest hold the resize budget imposes", seconds(0), hours(24),
                   LATTICE_POLICY(milliseconds, max_rescale_hold)));
  t.push_back(number("growth-age-fraction",
                     "growth budget: a running job that does not restart anyway grows at most once per this "
                     "share of its age since its last resize (at most --max-rescale-hold; 0: off)",
                     10, LATTICE_POLICY(double, growth_age_fraction)));
  t.push_back(
      span("growth-quiet",
           "quiet period: a running job that does not restart anyway grows only once no job has been "
           "submitted for this long, so capacity freed while jobs arrive goes to the arrivals (0s: off)",
           seconds(0), hours(24), LATTICE_POLICY(milliseconds, growth_quiet)));
  t.push_back(
      flag("reclaim-locked",
           "an equal-priority admission may reclaim workers above minSize of a job within its rescale "
           "interval",
           LATTICE_POLICY(bool, reclaim_locked)));
  t.push_back(
      make_option("growth-headroom", "GPUS", "GPUs that growth of running jobs leaves free for arrivals",
                  "an integer from 0 to 100000", integer(LATTICE_POLICY(int, growth_headroom), 0, 100'000),
                  show_integer(LATTICE_POLICY(int, growth_headroom))));
  t.push_back(
      span("arrival-window",
           "adaptive headroom: growth of running jobs also leaves free the GPUs that the jobs submitted "
           "within this window and still waiting or just admitted need at minSize, times "
           "--arrival-headroom-factor (0s: off)",
           seconds(0), hours(24), LATTICE_POLICY(milliseconds, arrival_window)));
  t.push_back(number("arrival-headroom-factor",
                     "the adaptive headroom is this many times the recent arrivals' minSize GPUs", 100,
                     LATTICE_POLICY(double, arrival_headroom_factor)));
  t.push_back(flag("consolidate", "a job that restarts anyway is re-placed on the fewest nodes",
                   LATTICE_POLICY(bool, consolidate)));
  t.push_back(
      flag("repack-running",
           "a running injectLattice job spread over several nodes moves onto one when it fits and the "
           "expected speed-up outweighs the restart (--resize-payback x --restart-cost)",
           LATTICE_POLICY(bool, repack_running)));
  t.push_back(number("spread-penalty",
                     "the share of throughput a job spread over several nodes is taken to lose against one "
                     "node, until its throughput reports tell",
                     1, LATTICE_POLICY(double, spread_penalty)));
  t.push_back(make_option(
      "topology-keys", "KEYS",
      "node label keys of topology domains, most preferred first (e.g. topology.kubernetes.io/rack): a job "
      "spanning nodes is kept inside one domain where one holds it",
      "empty or comma-separated label keys",
      [](operator_config& c, const std::string& v) {
        std::vector<std::string> keys;
        for (const auto& k : split_list(v)) {
          if (!is_label_list(k + "=x"))
            return false;
          keys.push_back(k);
        }
        c.autoscaler.policy.topology_keys = std::move(keys);
        return true;
      },
      [](operator_config& c) {
        std::string out;
        for (const auto& k : c.autoscaler.policy.topology_keys)
          out += (out.empty() ? "" : ",") + k;
        return out;
      }));
  t.push_back(flag("reserve-for-head",
                   "reserve nodes for the head of the queue when it cannot be admitted; later jobs backfill "
                   "elsewhere",
                   LATTICE_POLICY(bool, reserve_for_head)));
  t.push_back(
      flag("lend-reserved",
           "while the head of the queue waits for its reserved nodes, jobs of its priority may grow into "
           "what is free there (workers it reclaims once it fits)",
           LATTICE_POLICY(bool, lend_reserved)));
  t.push_back(flag("use-throughput", "fit each job's scaling from the throughput its agent reports",
                   LATTICE_POLICY(bool, use_throughput)));
  t.push_back(span("throughput-max-age", "throughput reports older than this are ignored", seconds(1),
                   hours(24), LATTICE_POLICY(milliseconds, throughput_max_age)));
  t.push_back(number("min-marginal-speedup",
                     "with reported throughput a job grows only while each added worker brings this share of "
                     "one worker's throughput",
                     1, LATTICE_POLICY(double, min_marginal_speedup)));
}

#undef LATTICE_POLICY

} // namespace lattice::config
