#include "lifecycle/throughput_report.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace lattice::lifecycle {
namespace {

namespace json = boost::json;

std::optional<double> number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v)
    return std::nullopt;
  if (v->is_double())
    return v->get_double();
  if (v->is_int64())
    return static_cast<double>(v->get_int64());
  if (v->is_uint64())
    return static_cast<double>(v->get_uint64());
  return std::nullopt;
}

std::optional<std::int64_t> integer(const json::object& o, std::string_view key, std::int64_t max) {
  auto d = number(o, key);
  if (!d || !std::isfinite(*d) || *d != std::floor(*d) || *d < 0 || *d > static_cast<double>(max))
    return std::nullopt;
  return static_cast<std::int64_t>(*d);
}

} // namespace

decoded_report decode_agent_report(std::string_view body) {
  json::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec || !doc.is_object())
    return std::string("not a JSON object");
  const auto* report = doc.as_object().if_contains("report");
  if (!report)
    return std::string("no \"report\" field");
  if (report->is_null())
    return std::optional<agent_report>{};
  if (!report->is_object())
    return std::string("\"report\" is not an object");
  const auto& r = report->as_object();
  constexpr auto max_workers = std::numeric_limits<std::int32_t>::max();
  auto workers = integer(r, "workers", max_workers);
  auto processes = integer(r, "processes", max_workers);
  auto generation = integer(r, "generation", std::numeric_limits<std::int64_t>::max() / 2);
  auto rate = number(r, "samplesPerSecond");
  auto at = number(r, "measuredAt");
  if (!workers || !rate || !at)
    return std::string("report lacks workers, samplesPerSecond or measuredAt");
  // Unix seconds; anything outside years 1970..2200 is not a time.
  if (!std::isfinite(*at) || *at < 0 || *at > 7.3e9)
    return std::string("measuredAt is not a Unix time");
  agent_report out;
  out.generation = generation.value_or(0);
  out.workers = static_cast<std::int32_t>(*workers);
  out.processes = static_cast<std::int32_t>(processes.value_or(*workers));
  out.samples_per_second = *rate;
  out.measured_at = base::time_point(
      std::chrono::duration_cast<base::time_point::duration>(std::chrono::duration<double>(*at)));
  return std::optional<agent_report>(out);
}

std::variant<scheduling::throughput_sample, std::string> accept_report(const agent_report& report,
                                                                       const report_context& context) {
  if (!std::isfinite(report.samples_per_second) || report.samples_per_second <= 0)
    return std::string("the rate is not a positive number");
  if (report.workers != context.workers)
    return "measured at " + std::to_string(report.workers) + " workers, the job runs "
           + std::to_string(context.workers);
  if (context.nodes < 1 || context.nodes > context.workers)
    return "placement of " + std::to_string(context.workers) + " workers on " + std::to_string(context.nodes)
           + " nodes";
  if (report.measured_at > context.now + max_clock_skew)
    return std::string("measured in the future");
  const auto at = std::min(report.measured_at, context.now);
  if (context.now - at > context.max_age)
    return std::string("older than the maximum age");
  if (context.placed_since && at < *context.placed_since)
    return std::string("measured before the current placement");
  scheduling::throughput_sample s;
  s.workers = report.workers;
  s.nodes = context.nodes;
  s.samples_per_second = report.samples_per_second;
  s.measured_at = at;
  return s;
}

bool keep_sample(std::vector<scheduling::throughput_sample>& kept,
                 const scheduling::throughput_sample& sample, base::time_point now,
                 std::chrono::milliseconds max_age) {
  const auto before = kept.size();
  kept.erase(
      std::remove_if(kept.begin(), kept.end(),
                     [&](const scheduling::throughput_sample& s) { return now - s.measured_at > max_age; }),
      kept.end());
  bool changed = kept.size() != before;
  auto same = std::find_if(kept.begin(), kept.end(), [&](const scheduling::throughput_sample& s) {
    return s.workers == sample.workers && s.nodes == sample.nodes;
  });
  if (same != kept.end()) {
    if (same->measured_at >= sample.measured_at)
      return changed; // not newer
    *same = sample;
    return true;
  }
  kept.push_back(sample);
  if (kept.size() > max_kept_samples)
    kept.erase(std::min_element(kept.begin(), kept.end(),
                                [](const auto& a, const auto& b) { return a.measured_at < b.measured_at; }));
  return true;
}

std::optional<scheduling::throughput_sample> sample_from_status(const k8s::throughput_status& shown) {
  const auto at = base::parse_optional_time(shown.measured_at);
  if (!at || !std::isfinite(shown.samples_per_second) || shown.samples_per_second <= 0 || shown.workers < 1
      || shown.nodes < 1 || shown.nodes > shown.workers)
    return std::nullopt;
  return scheduling::throughput_sample{shown.workers, shown.nodes, shown.samples_per_second, *at};
}

} // namespace lattice::lifecycle
