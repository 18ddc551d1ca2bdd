// The "config" object: one entry per planner_config field, so decoding and
// encoding cannot drift apart.
#include "snapshot_json/config_fields.hpp"

#include <cmath>
#include <functional>
#include <vector>

namespace lattice::snapshot_json::detail {

namespace json = boost::json;
using scheduling::planner_config;

double read_number(const json::value& v, const std::string& path, fail_fn fail) {
  if (v.is_double() && std::isfinite(v.get_double()))
    return v.get_double();
  if (v.is_int64())
    return static_cast<double>(v.get_int64());
  if (v.is_uint64())
    return static_cast<double>(v.get_uint64());
  fail(path, "expected a number");
  return 0;
}

namespace {

struct field {
  const char* name;
  std::function<void(const json::value&, planner_config&, const std::string& path, fail_fn)> read;
  std::function<json::value(const planner_config&)> write;
};

/// A duration in (fractional) seconds.
field seconds(const char* name, scheduling::milliseconds planner_config::*member) {
  return {name,
          [member](const json::value& v, planner_config& c, const std::string& path, fail_fn fail) {
            double s = read_number(v, path, fail);
            if (s < 0 || s > 1e9)
              fail(path, "expected seconds between 0 and 1e9");
            c.*member = scheduling::milliseconds{std::llround(s * 1'000)};
          },
          [member](const planner_config& c) -> json::value {
            return static_cast<double>((c.*member).count()) / 1'000.0;
          }};
}

field text(const char* name, std::string planner_config::*member) {
  return {name,
          [member](const json::value& v, planner_config& c, const std::string& path, fail_fn fail) {
            if (!v.is_string() || v.get_string().empty())
              fail(path, "expected a non-empty string");
            c.*member = std::string(v.get_string());
          },
          [member](const planner_config& c) -> json::value { return json::string(c.*member); }};
}

field flag(const char* name, bool planner_config::*member) {
  return {name,
          [member](const json::value& v, planner_config& c, const std::string& path, fail_fn fail) {
            if (!v.is_bool())
              fail(path, "expected true or false");
            c.*member = v.get_bool();
          },
          [member](const planner_config& c) -> json::value { return c.*member; }};
}

field fraction(const char* name, double planner_config::*member, double hi) {
  return {name,
          [member, hi](const json::value& v, planner_config& c, const std::string& path, fail_fn fail) {
            double x = read_number(v, path, fail);
            if (x < 0 || x > hi)
              fail(path, "expected a number between 0 and " + std::to_string(hi));
            c.*member = x;
          },
          [member](const planner_config& c) -> json::value { return c.*member; }};
}

field growth() {
  return {"growth",
          [](const json::value& v, planner_config& c, const std::string& path, fail_fn fail) {
            if (v.is_string() && v.get_string() == "queue")
              c.growth = scheduling::growth_order::queue;
            else if (v.is_string() && v.get_string() == "leastAttained")
              c.growth = scheduling::growth_order::least_attained;
            else if (v.is_string() && v.get_string() == "fair")
              c.growth = scheduling::growth_order::fair;
            else
              fail(path, "expected \"queue\", \"leastAttained\" or \"fair\"");
          },
          [](const planner_config& c) -> json::value {
            return json::string(c.growth == scheduling::growth_order::queue  ? "queue"
                                : c.growth == scheduling::growth_order::fair ? "fair"
                                                                             : "leastAttained");
          }};
}

field service_classes() {
  return {"serviceClassesGpuSeconds",
          [](const json::value& v, planner_config& c, const std::string& path, fail_fn fail) {
            if (!v.is_array())
              fail(path, "expected an array of increasing GPU-seconds");
            std::vector<double> out;
            for (std::size_t i = 0; i < v.get_array().size(); ++i) {
              double x = read_number(v.get_array()[i], path + "[" + std::to_string(i) + "]", fail);
              if (x <= 0 || (!out.empty() && x <= out.back()))
                fail(path + "[" + std::to_string(i) + "]", "expected positive, increasing GPU-seconds");
              out.push_back(x);
            }
            c.service_classes = std::move(out);
          },
          [](const planner_config& c) -> json::value {
            json::array a;
            for (double x : c.service_classes)
              a.push_back(x);
            return a;
          }};
}

field topology_keys() {
  return {"topologyKeys",
          [](const json::value& v, planner_config& c, const std::string& path, fail_fn fail) {
            if (!v.is_array())
              fail(path, "expected an array of node label keys");
            std::vector<std::string> out;
            for (std::size_t i = 0; i < v.get_array().size(); ++i) {
              const auto& e = v.get_array()[i];
              if (!e.is_string() || e.get_string().empty())
                fail(path + "[" + std::to_string(i) + "]", "expected a non-empty label key");
              out.emplace_back(e.get_string());
            }
            c.topology_keys = std::move(out);
          },
          [](const planner_config& c) -> json::value {
            json::array a;
            for (const auto& k : c.topology_keys)
              a.push_back(json::string(k));
            return a;
          }};
}

const std::vector<field>& fields() {
  static const std::vector<field> table = {
      text("gpuResource", &planner_config::gpu_resource),
      seconds("rescaleIntervalSeconds", &planner_config::rescale_interval),
      growth(),
      service_classes(),
      {"growthRounds",
       [](const json::value& v, planner_config& c, const std::string& path, fail_fn fail) {
         double x = read_number(v, path, fail);
         if (x < 0 || x > 16 || std::floor(x) != x)
           fail(path, "expected a whole number from 0 to 16");
         c.growth_rounds = static_cast<int>(x);
       },
       [](const planner_config& c) -> json::value { return c.growth_rounds; }},
      flag("rebalance", &planner_config::rebalance),
      flag("fairWithinClass", &planner_config::fair_within_class),
      flag("lendToRestartingOnly", &planner_config::lend_to_restarting_only),
      flag("lendInBulk", &planner_config::lend_in_bulk),
      {"growthHeadroomGpus",
       [](const json::value& v, planner_config& c, const std::string& path, fail_fn fail) {
         double x = read_number(v, path, fail);
         if (x < 0 || x > 1e6 || std::floor(x) != x)
           fail(path, "expected a whole number of GPUs");
         c.growth_headroom = static_cast<int32_t>(x);
       },
       [](const planner_config& c) -> json::value { return c.growth_headroom; }},
      seconds("arrivalWindowSeconds", &planner_config::arrival_window),
      fraction("arrivalHeadroomFactor", &planner_config::arrival_headroom_factor, 1000),
      seconds("restartCostSeconds", &planner_config::restart_cost),
      fraction("resizePayback", &planner_config::resize_payback, 1000),
      fraction("minResizeRatio", &planner_config::min_resize_ratio, 100),
      fraction("lendHysteresis", &planner_config::lend_hysteresis, 100),
      fraction("rescaleAgeFraction", &planner_config::rescale_age_fraction, 10),
      seconds("maxRescaleHoldSeconds", &planner_config::max_rescale_hold),
      fraction("growthAgeFraction", &planner_config::growth_age_fraction, 10),
      seconds("growthQuietSeconds", &planner_config::growth_quiet),
      flag("reclaimLocked", &planner_config::reclaim_locked),
      flag("consolidate", &planner_config::consolidate),
      flag("repackRunning", &planner_config::repack_running),
      fraction("spreadPenalty", &planner_config::spread_penalty, 1),
      topology_keys(),
      flag("reserveForHead", &planner_config::reserve_for_head),
      flag("lendReserved", &planner_config::lend_reserved),
      flag("useThroughput", &planner_config::use_throughput),
      fraction("minMarginalSpeedup", &planner_config::min_marginal_speedup, 1),
      seconds("throughputMaxAgeSeconds", &planner_config::throughput_max_age),
  };
  return table;
}

} // namespace

void decode_config(const json::object& o, planner_config& cfg, fail_fn fail) {
  // A preset first, whatever the key order; the other fields adjust it.
  if (const auto* preset = o.if_contains("preset")) {
    if (preset->is_string() && preset->get_string() == "legacy")
      cfg = planner_config::legacy();
    else if (preset->is_string() && preset->get_string() == "default")
      cfg = planner_config{};
    else
      fail("config.preset", "expected \"default\" or \"legacy\"");
  }
  for (const auto& kv : o) {
    if (kv.key() == "preset")
      continue;
    std::string path = "config." + std::string(kv.key());
    bool known = false;
    for (const auto& f : fields())
      if (kv.key() == f.name) {
        f.read(kv.value(), cfg, path, fail);
        known = true;
      }
    if (!known)
      fail(path, "unknown field");
  }
}

json::object encode_config(const planner_config& cfg) {
  static const planner_config defaults;
  json::object out;
  for (const auto& f : fields()) {
    json::value mine = f.write(cfg);
    if (mine != f.write(defaults))
      out[f.name] = std::move(mine);
  }
  return out;
}

} // namespace lattice::snapshot_json::detail
